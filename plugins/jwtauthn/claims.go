package jwtauthn

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wasmward/wasmward/shared/policy"
)

// Claim errors, each mapped to a reason word.
var (
	errExpired       = errors.New("token expired")
	errNotYetValid   = errors.New("token not yet valid (nbf or iat in the future)")
	errWrongIssuer   = errors.New("iss does not match the provider")
	errWrongAudience = errors.New("aud names none of the provider's audiences")
	errNoExpiration  = errors.New("exp missing and the provider requires it")
)

// maxNumericDate is 9999-12-31T23:59:59Z: later dates (and anything that would overflow a
// time.Duration or int64 nanoseconds) are malformed, not "far in the future".
const maxNumericDate = 253402300799

// claims are the registered claims the plugin checks, plus the whole verified payload.
type claims struct {
	obj     object
	subject string
	exp     int64 // seconds; 0 when absent
	hasExp  bool
	scopes  []string
}

// checkClaims parses the payload (strictly, like the header) and checks iss, aud, exp, nbf and
// iat against the provider at now. It runs before the signature math: it is cheaper.
func (p *provider) checkClaims(payload []byte, now time.Time) (*claims, error) {
	obj, err := parseObject(payload)
	if err != nil {
		return nil, errMalformed
	}
	c := &claims{obj: obj}
	iss, _, err := obj.str("iss")
	if err != nil {
		return nil, errMalformed
	}
	if iss != p.issuer {
		return nil, errWrongIssuer
	}
	if c.subject, _, err = obj.str("sub"); err != nil {
		return nil, errMalformed
	}
	if err := p.checkAudience(obj); err != nil {
		return nil, err
	}
	unix := now.Unix()
	exp, hasExp, err := numericDate(obj, "exp")
	if err != nil {
		return nil, err
	}
	nbf, hasNbf, err := numericDate(obj, "nbf")
	if err != nil {
		return nil, err
	}
	iat, hasIat, err := numericDate(obj, "iat")
	if err != nil {
		return nil, err
	}
	switch {
	case !hasExp && p.requireExp:
		return nil, errNoExpiration
	case hasExp && unix >= exp+p.skew:
		return nil, errExpired
	case hasNbf && unix+p.skew < nbf, hasIat && unix+p.skew < iat:
		return nil, errNotYetValid
	}
	c.exp, c.hasExp = exp, hasExp
	if c.scopes, err = scopes(obj); err != nil {
		return nil, err
	}
	return c, nil
}

// checkAudience accepts aud as a string or an array of strings naming one of the provider's
// audiences. A missing aud or an empty array never matches.
func (p *provider) checkAudience(obj object) error {
	raw, ok := obj.get("aud")
	if !ok {
		return errWrongAudience
	}
	var list []string
	if len(raw) > 0 && raw[0] == '"' {
		var one string
		if json.Unmarshal(raw, &one) != nil {
			return errMalformed
		}
		list = []string{one}
	} else if json.Unmarshal(raw, &list) != nil || list == nil {
		return errMalformed
	}
	for _, have := range list {
		for _, want := range p.audiences {
			if have == want {
				return nil
			}
		}
	}
	return errWrongAudience
}

// numericDate reads a NumericDate claim (RFC 7519 §2) as whole seconds (floored). It must be a
// JSON number from 0 to maxNumericDate: larger values would overflow later arithmetic.
func numericDate(obj object, name string) (int64, bool, error) {
	raw, ok := obj.get(name)
	if !ok {
		return 0, false, nil
	}
	if len(raw) == 0 || raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, true, errMalformed // strings, null, booleans
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f < 0 || f > maxNumericDate {
		return 0, true, errMalformed
	}
	return int64(math.Floor(f)), true, nil
}

// scopes reads OAuth2 scopes: "scope" (space-separated string, RFC 8693 §4.2) or "scp" (an array
// of strings, or a space-separated string).
func scopes(obj object) ([]string, error) {
	if s, ok, err := obj.str("scope"); err != nil {
		return nil, errMalformed
	} else if ok {
		return strings.Fields(s), nil
	}
	raw, ok := obj.get("scp")
	if !ok {
		return nil, nil
	}
	var list []string
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, errMalformed
		}
		return strings.Fields(s), nil
	}
	if json.Unmarshal(raw, &list) != nil {
		return nil, errMalformed
	}
	return list, nil
}

// identity builds the handoff identity from verified claims.
func (p *provider) identity(c *claims, payload []byte) *policy.Identity {
	return &policy.Identity{Subject: c.subject, Issuer: p.issuer, Provider: p.id, Scopes: c.scopes,
		Claims: json.RawMessage(payload)}
}

// claimValue renders a claim for a header: strings as they are, numbers and booleans as JSON,
// arrays of strings joined with ",". Anything else, or a value with control characters, is "".
func claimValue(obj object, name string) string {
	raw, ok := obj.get(name)
	if !ok || len(raw) == 0 {
		return ""
	}
	var v string
	switch raw[0] {
	case '"':
		if json.Unmarshal(raw, &v) != nil {
			return ""
		}
	case '[':
		var list []string
		if json.Unmarshal(raw, &list) != nil {
			return ""
		}
		v = strings.Join(list, ",")
	case '{', 'n':
		return ""
	default:
		v = string(raw)
	}
	if len(v) > maxHeaderValue || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return ""
	}
	return v
}

// maxHeaderValue bounds a claim copied to a header.
const maxHeaderValue = 4096
