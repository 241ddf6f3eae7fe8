package jwtauthn

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/wasmward/wasmward/shared/harness"
	schemas "github.com/wasmward/wasmward/shared/schema"
)

// TestConfigs: testdata/valid pass the parser and the schema, testdata/invalid fail both.
func TestConfigs(t *testing.T) { schemas.TestConfigDirs(t, Definition, "testdata") }

// Fixed tokens of the case files: signed by the deterministic test keys, valid until 2100 (the
// harness clock starts at 2026-01-01), so the files never need regenerating.
const (
	caseIat = 1735689600 // 2025-01-01
	caseExp = 4102444800 // 2100-01-01
)

func caseClaims(extra ...any) map[string]any {
	c := claimsAt(caseIat, extra...)
	if _, ok := c["exp"]; ok && c["exp"] == int64(caseIat+3600) {
		c["exp"] = int64(caseExp)
	}
	return c
}

// caseConfig is testdata/valid/inline.json: inline EdDSA and ES256 keys.
func caseConfig() string {
	return `{
  "apiVersion": "wasmward/v1",
  "plugin": "jwtauthn",
  "spec": {
    "providers": [{
      "id": "corp",
      "issuer": "` + testIssuer + `",
      "audiences": ["` + testAudience + `"],
      "algorithms": ["EdDSA", "ES256"],
      "jwks": ` + jwksOf(keyFor("EdDSA"), keyFor("ES256")) + `,
      "claimHeaders": [{"claim": "sub", "header": "x-user"}],
      "payloadHeader": "x-jwt-payload",
      "removeAuthorization": true
    }],
    "rules": [
      {"id": "public", "match": {"path": {"prefix": "/public"}}},
      {"id": "admin", "match": {"path": {"prefix": "/admin"}}, "requires": {"provider": "corp"}, "scopes": ["admin"]},
      {"id": "api", "match": {"path": {"prefix": "/"}}, "requires": {"provider": "corp"}}
    ]
  }
}
`
}

func caseList() []harness.Case {
	ed, es := keyFor("EdDSA"), keyFor("ES256")
	good := ed.token(caseClaims())
	auth := func(tok string) [][2]string { return [][2]string{{"authorization", "Bearer " + tok}} }
	tokens := func(toks ...string) []string { return toks }
	invalid := map[string]string{"www-authenticate": `Bearer error="invalid_token", error_description="The access token is invalid."`}
	noneTok := b64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + strings.Split(good, ".")[1] + "."
	badSig := tamper(good, 2, b64.EncodeToString(make([]byte, 64)))
	expired := ed.token(caseClaims("exp", int64(caseIat+60)))
	return []harness.Case{
		{Name: "valid EdDSA token forwarded with claims", Request: harness.Request{Path: "/orders", Headers: append(auth(good), [2]string{"x-user", "mallory"})},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{"x-user": "alice", "x-jwt-payload": strings.Split(good, ".")[1]},
				ForwardedAbsent: []string{"authorization"}}},
		{Name: "valid ES256 token", Request: harness.Request{Path: "/orders", Headers: auth(es.token(caseClaims()))},
			Want: harness.Expect{Status: 200, Forwarded: map[string]string{"x-user": "alice"}}},
		{Name: "missing token", Request: harness.Request{Path: "/orders"},
			Want: harness.Expect{Status: 401, Headers: map[string]string{"www-authenticate": "Bearer"}}},
		{Name: "expired token", Request: harness.Request{Path: "/orders", Headers: auth(expired)},
			Want: harness.Expect{Status: 401, Headers: invalid, BodyExcludes: tokens(expired, strings.Split(expired, ".")[1])}},
		{Name: "alg none", Request: harness.Request{Path: "/orders", Headers: auth(noneTok)},
			Want: harness.Expect{Status: 401, Headers: invalid, BodyExcludes: tokens(noneTok)}},
		{Name: "bad signature", Request: harness.Request{Path: "/orders", Headers: auth(badSig)},
			Want: harness.Expect{Status: 401, Headers: invalid}},
		{Name: "wrong audience", Request: harness.Request{Path: "/orders", Headers: auth(ed.token(caseClaims("aud", "billing")))},
			Want: harness.Expect{Status: 401, Headers: invalid}},
		{Name: "token for another issuer", Request: harness.Request{Path: "/orders", Headers: auth(ed.token(caseClaims("iss", "https://evil.example.com")))},
			Want: harness.Expect{Status: 401, Headers: invalid}},
		{Name: "insufficient scope", Request: harness.Request{Path: "/admin/users", Headers: auth(good)},
			Want: harness.Expect{Status: 403, Headers: map[string]string{"www-authenticate": `Bearer error="insufficient_scope", error_description="The access token lacks a required scope."`}}},
		{Name: "admin scope", Request: harness.Request{Path: "/admin/users", Headers: auth(ed.token(caseClaims("scope", "admin")))},
			Want: harness.Expect{Status: 200}},
		{Name: "public path strips forged claim headers", Request: harness.Request{Path: "/public/x", Headers: [][2]string{{"x-user", "root"}, {"x-jwt-payload", "e30"}}},
			Want: harness.Expect{Status: 200, ForwardedAbsent: []string{"x-user", "x-jwt-payload"}}},
		{Name: "forged identity handoff header stripped", Request: harness.Request{Path: "/orders", Headers: append(auth(good), [2]string{"x-wasmward-identity", "v1.1.e30.AAAA"})},
			Want: harness.Expect{Status: 200, ForwardedAbsent: []string{"x-wasmward-identity"}}},
	}
}

// TestWriteTestdata regenerates testdata/valid/inline.json and testdata/cases/inline.json when
// JWTAUTHN_WRITE_TESTDATA=1 (the keys are deterministic; ECDSA signatures differ per run).
func TestWriteTestdata(t *testing.T) {
	if os.Getenv("JWTAUTHN_WRITE_TESTDATA") != "1" {
		t.Skip("set JWTAUTHN_WRITE_TESTDATA=1 to regenerate")
	}
	cases, err := json.MarshalIndent(caseList(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for path, data := range map[string][]byte{
		"testdata/valid/inline.json": []byte(caseConfig()),
		"testdata/cases/inline.json": append(cases, '\n'),
	} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCaseFiles runs testdata/cases/inline.json against testdata/valid/inline.json, natively and
// in wasm (make build first).
func TestCaseFiles(t *testing.T) { harness.RunCaseFiles(t, Definition) }
