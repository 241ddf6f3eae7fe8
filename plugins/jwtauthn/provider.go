package jwtauthn

import (
	"fmt"
	"regexp"
	"time"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// provider is a compiled ProviderSpec.
type provider struct {
	id, issuer    string
	index         int
	audiences     []string
	algs          algSet
	skew          int64 // seconds
	requireExp    bool
	maxTokenBytes int
	sources       []source
	typs          typSet
	claimHeaders  []ClaimHeaderSpec
	payloadHeader string
	removeAuthz   bool

	keys   *KeySet     // inline keys (fixed), the HMAC key (set at Start), or nil for remote
	remote *remoteKeys // nil unless keys are fetched
	hmac   *HMACSpec   // read at Start
	pol    *Policy
}

func (p *provider) host() policy.Host { return p.pol.host }

// keysChanged drops verified tokens: they may have been verified with a key now gone.
func (p *provider) keysChanged() { p.pol.cache.clear() }

// compileProvider checks and compiles one provider; path is its JSON path.
func compileProvider(es *config.Errors, path string, index int, ps ProviderSpec) *provider {
	p := &provider{id: ps.ID, issuer: ps.Issuer, index: index, audiences: ps.Audiences,
		requireExp: true, maxTokenBytes: defaultMaxTokenBytes, skew: int64(defaultClockSkew / time.Second),
		claimHeaders: ps.ClaimHeaders, payloadHeader: ps.PayloadHeader, removeAuthz: ps.RemoveAuthorization}
	es.CheckID(config.JoinPath(path, "id"), ps.ID)
	if ps.Issuer == "" {
		es.Add(config.JoinPath(path, "issuer"), "is required")
	}
	if len(ps.Audiences) == 0 {
		es.Add(config.JoinPath(path, "audiences"), "needs at least one audience (tokens for other services must not pass)")
	}
	for i, a := range ps.Audiences {
		if a == "" {
			es.Add(config.Index(config.JoinPath(path, "audiences"), i), "must not be empty")
		}
	}
	if len(ps.Algorithms) == 0 {
		es.Add(config.JoinPath(path, "algorithms"), "needs at least one algorithm")
	}
	for i, name := range ps.Algorithms {
		a := algorithms[name]
		if a == nil {
			es.Add(config.Index(config.JoinPath(path, "algorithms"), i), "must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, HS256, HS384, HS512")
			continue
		}
		p.algs |= a.bit
	}
	if ps.ClockSkewSeconds != nil {
		if *ps.ClockSkewSeconds < 0 || *ps.ClockSkewSeconds > 600 {
			es.Add(config.JoinPath(path, "clockSkewSeconds"), "must be 0 to 600")
		}
		p.skew = int64(*ps.ClockSkewSeconds)
	}
	if ps.RequireExpiration != nil {
		p.requireExp = *ps.RequireExpiration
	}
	if ps.MaxTokenBytes != 0 {
		if ps.MaxTokenBytes < 64 || ps.MaxTokenBytes > 64<<10 {
			es.Add(config.JoinPath(path, "maxTokenBytes"), "must be 64 to 65536")
		}
		p.maxTokenBytes = ps.MaxTokenBytes
	}
	p.sources = compileSources(es, config.JoinPath(path, "sources"), ps.Sources)
	p.typs = compileTyps(es, config.JoinPath(path, "typ"), ps.Typ)
	for i, ch := range ps.ClaimHeaders {
		cp := config.Index(config.JoinPath(path, "claimHeaders"), i)
		if ch.Claim == "" {
			es.Add(config.JoinPath(cp, "claim"), "is required")
		}
		checkHeaderName(es, config.JoinPath(cp, "header"), ch.Header)
	}
	if ps.PayloadHeader != "" {
		checkHeaderName(es, config.JoinPath(path, "payloadHeader"), ps.PayloadHeader)
	}
	compileKeySource(es, path, p, ps)
	return p
}

// compileTyps checks a provider's typ allow-list; nil means the default.
func compileTyps(es *config.Errors, path string, list []string) typSet {
	if list == nil {
		return defaultTyps
	}
	if len(list) == 0 {
		es.Add(path, "must not be empty (omit it for the default)")
	}
	out := make(typSet, 0, len(list))
	for i, t := range list {
		n := normalizeTyp(t)
		switch {
		case t != "" && !typRE.MatchString(t):
			es.Add(config.Index(path, i), "must be a media type such as \"at+jwt\" (or \"\" for no typ)")
		case out.allows(n):
			es.Add(config.Index(path, i), "duplicates another entry (compared case-insensitively, without \"application/\")")
		}
		out = append(out, n)
	}
	return out
}

// typRE is a media type without parameters, "application/" optional (RFC 6838 §4.2 names).
var typRE = regexp.MustCompile(`^(?i:application/)?[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$`)

// compileKeySource sets p's key source: exactly one of jwks, remote, hmac. Keys must fit the
// provider's algorithms: an HS key next to RS keys is how algorithm confusion starts.
func compileKeySource(es *config.Errors, path string, p *provider, ps ProviderSpec) {
	n := 0
	for _, set := range []bool{len(ps.JWKS) > 0, ps.Remote != nil, ps.HMAC != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		es.Add(path, "needs exactly one key source: jwks, remote or hmac")
		return
	}
	hs := p.algs & hmacAlgs
	switch {
	case ps.HMAC != nil:
		hp := config.JoinPath(path, "hmac")
		if p.algs&^hmacAlgs != 0 {
			es.Add(config.JoinPath(path, "algorithms"), "an hmac provider allows only HS256, HS384, HS512")
		}
		if ps.HMAC.Env == "" {
			es.Add(config.JoinPath(hp, "env"), "is required (the environment variable holding the secret)")
		}
		if e := ps.HMAC.Encoding; e != "" && e != "raw" && e != "base64url" {
			es.Add(config.JoinPath(hp, "encoding"), `must be "raw" or "base64url"`)
		}
		p.hmac = ps.HMAC
	case ps.Remote != nil:
		if hs != 0 {
			es.Add(config.JoinPath(path, "algorithms"), "HS algorithms need an hmac key source (remote key sets never carry secrets)")
		}
		p.remote = compileRemote(es, path, p, ps.Remote)
	default:
		jp := config.JoinPath(path, "jwks")
		ks, skipped, err := parseJWKS(ps.JWKS, false)
		if err != nil {
			es.Add(jp, "%v", err)
			return
		}
		for _, s := range skipped {
			es.Add(config.Index(config.JoinPath(jp, "keys"), s.Index), "%v", s.Err)
		}
		if ks.Len() == 0 && len(skipped) == 0 {
			es.Add(config.JoinPath(jp, "keys"), "needs at least one key")
		}
		if hs != 0 {
			es.Add(config.JoinPath(path, "algorithms"), "HS algorithms need an hmac key source (inline sets hold public keys only)")
		}
		p.keys = ks
	}
}

// hmacAlgs is the set of HS algorithms.
var hmacAlgs = algorithms["HS256"].bit | algorithms["HS384"].bit | algorithms["HS512"].bit

// describe names the provider in logs: its id only.
func (p *provider) describe() string { return fmt.Sprintf("provider %s", p.id) }
