// Package jwtauthn is wasmward's JWT/OAuth2 authentication plugin: it finds a bearer token in
// each request, verifies it against the configured providers' keys (inline JWKS, remote JWKS or
// OIDC discovery fetched by HTTP callout, HMAC secrets from the environment), checks issuer,
// audience and time claims and the rule's OAuth2 scopes, then forwards claims as headers and
// hands the verified identity to later plugins. docs/jwtauthn.md is the user documentation.
//
// # Library choice
//
// The JOSE layer (jose_*.go) wraps Go's crypto (crypto/rsa, crypto/ecdsa, crypto/ed25519,
// crypto/hmac) directly. go-jose v4.1.3 and golang-jwt v5.3.0 were both run against the
// Wycheproof JWS/JWK vectors with their strictest options (allowed algorithms pinned, strict
// base64 decoding), and neither passes:
//
//   - go-jose accepts PSS signatures with any salt length (tcIds 281-286), ignores the key's
//     "use" and "key_ops" (353-356, JWK 21), accepts non-canonical base64url (360, 374), a JWK
//     set mixing symmetric and asymmetric keys (JWK 1) or sharing a kid (JWK 4), 1024-bit RSA
//     keys (JWK 8) and ROCA keys (JWK 7); its JSON decoder also keeps the last of duplicate
//     members.
//   - golang-jwt verifies JWTs, not JWS: every vector whose payload is not a JSON claim set
//     fails (all 46 valid signature vectors), and it has no JWK parser at all.
//
// Hand-written here, and tested by TestWycheproof on every vector: canonical base64url only,
// duplicate-free case-exact JSON, the key deciding the algorithm, strict JWK validation.
// Verification uses no randomness.
//
// # Request path
//
// Cheap checks run before any signature math: token size, shape, base64url, header (alg never
// "none" in any case, alg allowed by the provider, no crit), key lookup by kid with the key's
// algorithms, signature length, then the claims (iss, aud, exp, nbf, iat). Successes are cached
// by the token's SHA-256, the last few tokens also as they are (tokenCache). Keys are refreshed on the host tick (remoteKeys), never
// on a request: an unknown kid fails the request and schedules one refetch.
package jwtauthn

import (
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

//go:embed schema.json
var schema []byte

// Definition registers the plugin.
var Definition = policy.Definition{Name: "jwtauthn", Schema: schema, Parse: Parse}

// Policy is a compiled jwtauthn config. It is used from one thread (the glue's contract).
type Policy struct {
	providers    []*provider
	rules        []*rule
	hostRules    bool // a rule matches on hosts: requests' hosts are normalized
	cache        *tokenCache
	noKeysStatus int
	strip        []string     // claim and payload headers of every provider: always removed first
	stripAuthz   []string     // strip + "authorization", for providers with removeAuthorization
	sources      tokenSources // of every provider: unverified tokens there are removed
	host         policy.Host
	scratch      evalCtx // the request being decided (see evalCtx)
}

var (
	_ policy.Starter          = (*Policy)(nil)
	_ policy.Ticker           = (*Policy)(nil)
	_ policy.IdentityProducer = (*Policy)(nil)
)

// Parse strictly parses and compiles the spec. Inline keys are parsed here; HMAC secrets are
// read at Start; remote keys are fetched on ticks.
func Parse(data []byte) (policy.Policy, error) {
	var spec Spec
	if err := config.DecodeStrict(data, &spec); err != nil {
		return nil, err
	}
	var es config.Errors
	pol := &Policy{noKeysStatus: defaultNoKeysStatus}
	if spec.NoKeysStatus != 0 {
		if spec.NoKeysStatus < 400 || spec.NoKeysStatus > 599 {
			es.Add("noKeysStatus", "must be 400 to 599")
		}
		pol.noKeysStatus = spec.NoKeysStatus
	}
	maxEntries, ttl := defaultTokenCacheEntries, defaultTokenCacheSeconds
	if c := spec.Cache; c != nil {
		if c.MaxEntries != nil {
			maxEntries = *c.MaxEntries
			if maxEntries < 0 || maxEntries > 1<<20 {
				es.Add("cache.maxEntries", "must be 0 (off) to 1048576")
			}
		}
		if c.TTLSeconds != 0 {
			ttl = c.TTLSeconds
			if ttl < 0 || ttl > 86400 {
				es.Add("cache.ttlSeconds", "must be 1 to 86400")
			}
		}
	}
	pol.cache = newTokenCache(max(maxEntries, 0), time.Duration(ttl)*time.Second)
	if len(spec.Providers) == 0 {
		es.Add("providers", "needs at least one provider")
	}
	byID := map[string]*provider{}
	stripped := map[string]bool{}
	for i, ps := range spec.Providers {
		path := config.Index("providers", i)
		p := compileProvider(&es, path, i, ps)
		p.pol = pol
		if byID[p.id] != nil {
			es.Add(config.JoinPath(path, "id"), "duplicates another provider's id")
		}
		byID[p.id] = p
		pol.providers = append(pol.providers, p)
		pol.sources.add(p.sources)
		for _, h := range p.outputHeaders() {
			if !stripped[h] {
				stripped[h] = true
				pol.strip = append(pol.strip, h)
			}
		}
	}
	pol.stripAuthz = append(pol.strip[:len(pol.strip):len(pol.strip)], "authorization")
	if len(spec.Rules) == 0 {
		es.Add("rules", "needs at least one rule")
	}
	ruleIDs := map[string]bool{}
	for i, rs := range spec.Rules {
		path := config.Index("rules", i)
		if ruleIDs[rs.ID] {
			es.Add(config.JoinPath(path, "id"), "duplicates another rule's id")
		}
		ruleIDs[rs.ID] = true
		r := compileRule(&es, path, rs, byID)
		pol.rules = append(pol.rules, r)
		pol.hostRules = pol.hostRules || len(r.hosts) > 0
	}
	if err := es.Err(); err != nil {
		return nil, err
	}
	return pol, nil
}

// outputHeaders are the headers p sets.
func (p *provider) outputHeaders() []string {
	var hs []string
	for _, ch := range p.claimHeaders {
		hs = append(hs, ch.Header)
	}
	if p.payloadHeader != "" {
		hs = append(hs, p.payloadHeader)
	}
	return hs
}

// Start keeps the host (clock, callouts, log) and reads HMAC secrets from the environment. A
// missing or short secret refuses the start. Secrets are never logged.
func (pol *Policy) Start(host policy.Host) error {
	pol.host = host
	for _, p := range pol.providers {
		if p.remote != nil && host.Capabilities().Kind == policy.HostNginx {
			if err := policy.CheckHostPort(p.remote.cluster); err != nil {
				return fmt.Errorf("provider %s: remote.cluster: %w (a name needs a resolver in wasm{})", p.id, err)
			}
		}
		if p.remote != nil && !host.Capabilities().TickCallouts && !p.remote.waitOK {
			return fmt.Errorf("provider %s: remote.waitForKeys: must be true on %s, where keys are fetched by requests (callouts from the tick crash its workers)", p.id, host.Capabilities().Kind)
		}
	}
	for _, p := range pol.providers {
		if p.hmac == nil {
			continue
		}
		v, ok := host.Env(p.hmac.Env)
		if !ok || v == "" {
			return fmt.Errorf("provider %s: environment variable %s is not set", p.id, p.hmac.Env)
		}
		secret := []byte(v)
		if p.hmac.Encoding == "base64url" {
			var err error
			if secret, err = base64.RawURLEncoding.Strict().DecodeString(v); err != nil {
				return fmt.Errorf("provider %s: environment variable %s is not unpadded base64url", p.id, p.hmac.Env)
			}
		}
		k, err := hmacKey(p.hmac.Kid, secret, p.algs)
		if err != nil {
			return fmt.Errorf("provider %s: environment variable %s: %w", p.id, p.hmac.Env, err)
		}
		if p.keys, err = newKeySet([]*Key{k}); err != nil {
			return fmt.Errorf("provider %s: %w", p.id, err)
		}
	}
	return nil
}

// ProducesIdentity marks the plugin as an identity producer: the glue strips any incoming
// handoff header before OnRequest and publishes Decision.Identity.
func (*Policy) ProducesIdentity() {}

// TickPeriod is short so that refreshes, retries and unknown-kid refetches run promptly; each
// provider keeps its own schedule.
func (*Policy) TickPeriod() time.Duration { return tickPeriod }

// Tick runs due key fetches.
func (pol *Policy) Tick(now time.Time) {
	for _, p := range pol.providers {
		if p.remote != nil {
			p.remote.tick(now)
		}
	}
}

// errNoKeys: the provider has no usable keys (not fetched yet, or stale past the limit).
var errNoKeys = errors.New("no usable keys")

// keysAt returns the provider's usable keys.
func (p *provider) keysAt(now time.Time) *KeySet {
	if p.remote != nil {
		return p.remote.current(now)
	}
	return p.keys
}

// errKeysPending: the provider has no usable key for the token yet, and a fetch the request
// may wait for can bring one (remoteKeys.wait).
var errKeysPending = errors.New("keys pending")

// verify checks raw against p at now: from the cache, or fully. With mayWait, a token that
// finds no keys or an unknown kid gets errKeysPending when a fetch may start now.
func (p *provider) verify(raw string, now time.Time, mayWait bool) (*verified, error) {
	keys := p.keysAt(now) // first: keys gone stale also drop the cache
	if keys == nil {
		if mayWait && p.remote != nil && p.remote.mayFetchNow(now, false) {
			return nil, errKeysPending
		}
		return nil, errNoKeys
	}
	if mayWait && p.remote != nil && p.remote.refreshDue(now) {
		return nil, errKeysPending // this request refreshes the keys, then is verified
	}
	if v := p.pol.cache.recentHit(raw, p, now); v != nil {
		return v, nil
	}
	ck := keyOf(raw, p)
	if v := p.pol.cache.get(&ck, raw, p, now); v != nil {
		return v, nil
	}
	t, err := parseToken(raw, p.maxTokenBytes, p.algs)
	if err != nil {
		return nil, err
	}
	if !p.typs.allows(t.typ) {
		return nil, errBadTyp
	}
	cands, err := keys.candidates(t)
	if errors.Is(err, errUnknownKid) && p.remote != nil {
		if mayWait && p.remote.mayFetchNow(now, true) {
			return nil, errKeysPending
		}
		p.remote.unknownKid(now)
	}
	if err != nil {
		return nil, err
	}
	c, err := p.checkClaims(t.payload, now)
	if err != nil {
		return nil, err
	}
	if err := verifySignature(t, cands); err != nil {
		return nil, err
	}
	v := &verified{identity: p.identity(c, t.payload), expires: now.Add(p.pol.cache.ttl)}
	if c.hasExp {
		v.expires = time.Unix(c.exp, 0)
	}
	for _, ch := range p.claimHeaders {
		if val := claimValue(c.obj, ch.Claim); val != "" {
			v.headers = append(v.headers, [2]string{ch.Header, val})
		}
	}
	if p.payloadHeader != "" {
		v.headers = append(v.headers, [2]string{p.payloadHeader, t.payloadB64})
	}
	p.pol.cache.put(&ck, raw, p, v, now)
	return v, nil
}
