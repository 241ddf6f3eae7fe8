package jwtauthn

import "errors"

// Reasons: the fixed vocabulary that labels metrics and audit lines (docs/jwtauthn.md).
const (
	reasonMissingToken      = "missing_token"
	reasonTooLarge          = "too_large"
	reasonMalformed         = "malformed"
	reasonBadAlgorithm      = "bad_algorithm"
	reasonBadHeader         = "bad_header"
	reasonUnknownKid        = "unknown_kid"
	reasonBadSignature      = "bad_signature"
	reasonExpired           = "expired"
	reasonMissingExp        = "missing_exp"
	reasonNotYetValid       = "not_yet_valid"
	reasonWrongIssuer       = "wrong_issuer"
	reasonWrongAudience     = "wrong_audience"
	reasonNoKeys            = "no_keys"
	reasonInsufficientScope = "insufficient_scope"
	reasonMultipleTokens    = "multiple_tokens"
	reasonBadTyp            = "bad_typ"
)

// reasonOf maps a verification error to its reason word.
func reasonOf(err error) string {
	for _, m := range []struct {
		err    error
		reason string
	}{
		{errTooLarge, reasonTooLarge},
		{errAlgNone, reasonBadAlgorithm},
		{errAlgNotAllowed, reasonBadAlgorithm},
		{errKeyMismatch, reasonBadAlgorithm},
		{errCrit, reasonBadHeader},
		{errUnknownKid, reasonUnknownKid},
		{errSignature, reasonBadSignature},
		{errExpired, reasonExpired},
		{errNoExpiration, reasonMissingExp},
		{errNotYetValid, reasonNotYetValid},
		{errWrongIssuer, reasonWrongIssuer},
		{errWrongAudience, reasonWrongAudience},
		{errNoKeys, reasonNoKeys},
		{errMultipleTokens, reasonMultipleTokens},
		{errBadTyp, reasonBadTyp},
	} {
		if errors.Is(err, m.err) {
			return m.reason
		}
	}
	return reasonMalformed
}

// reply is a prepared local reply. Bodies and descriptions are generic: they never echo the
// token, a claim or key material, nor say which check failed.
type reply struct {
	headers [][2]string
	body    []byte
}

var (
	replyMissing = reply{
		headers: [][2]string{{"www-authenticate", `Bearer`}, {"content-type", "application/json"}},
		body:    []byte(`{"error":"unauthorized","error_description":"An access token is required."}`),
	}
	replyInvalid = reply{
		headers: [][2]string{{"www-authenticate", `Bearer error="invalid_token", error_description="The access token is invalid."`}, {"content-type", "application/json"}},
		body:    []byte(`{"error":"invalid_token","error_description":"The access token is invalid."}`),
	}
	// replyInvalidRequest answers a request carrying several different tokens (RFC 6750 §3.1
	// invalid_request; 401 so that clients treat it as an authentication failure).
	replyInvalidRequest = reply{
		headers: [][2]string{{"www-authenticate", `Bearer error="invalid_request", error_description="The request is malformed."`}, {"content-type", "application/json"}},
		body:    []byte(`{"error":"invalid_request","error_description":"The request is malformed."}`),
	}
	replyInsufficientScope = reply{
		headers: [][2]string{{"www-authenticate", `Bearer error="insufficient_scope", error_description="The access token lacks a required scope."`}, {"content-type", "application/json"}},
		body:    []byte(`{"error":"insufficient_scope","error_description":"The access token lacks a required scope."}`),
	}
	replyNoKeys = reply{
		headers: [][2]string{{"retry-after", "5"}, {"content-type", "application/json"}},
		body:    []byte(`{"error":"temporarily_unavailable","error_description":"Tokens cannot be verified yet."}`),
	}
)
