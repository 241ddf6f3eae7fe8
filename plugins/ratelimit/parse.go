package ratelimit

import (
	"net/netip"
	"strings"
	"time"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// Parse strictly parses and compiles the spec: descriptors, buckets, overrides and bans are
// checked and compiled here, never per request.
func Parse(data []byte) (policy.Policy, error) {
	var spec Spec
	if err := config.DecodeStrict(data, &spec); err != nil {
		return nil, err
	}
	var es config.Errors
	p := &Policy{}
	ids := map[string]string{}
	checkID := func(path, id string) {
		es.CheckID(path, id)
		if prev, dup := ids[id]; dup {
			es.Add(path, "duplicate id (also %s)", prev)
		}
		ids[id] = path
	}
	proxies := compileProxies(&es, spec.TrustedProxies)
	p.rls = compileRLSService(&es, spec.RLS)
	if len(spec.Limits) == 0 && len(spec.Bans) == 0 {
		es.Add("limits", "at least one limit or ban is required")
	}
	for i, ls := range spec.Limits {
		path := config.Index("limits", i)
		checkID(path+".id", ls.ID)
		l := compileLimit(&es, path, ls)
		if l.rls != nil && p.rls == nil {
			es.Add(path+".backend", "is \"rls\": the spec needs an rls object (the service's cluster)")
		}
		l.desc.proxies = proxies
		checkHops(&es, path, &l.desc, false)
		p.limits = append(p.limits, l)
	}
	for i, bs := range spec.Bans {
		path := config.Index("bans", i)
		checkID(path+".id", bs.ID)
		b := compileBan(&es, path, bs)
		b.desc.proxies, b.desc.ban = proxies, true
		if b.rls != nil && p.rls == nil {
			es.Add(path+".backend", "is \"rls\": the spec needs an rls object (the service's cluster)")
		}
		checkHops(&es, path, &b.desc, true)
		p.bans = append(p.bans, b)
	}
	p.keys = compileKeys(&es, spec.Keys)
	p.shared = compileShared(&es, spec.Shared)
	p.reply = compileReply(&es, spec.Reply)
	if err := es.Err(); err != nil {
		return nil, err
	}
	if len(p.bans) > 0 {
		return BanningPolicy{p}, nil
	}
	return p, nil
}

// compileProxies parses trustedProxies: CIDRs or bare addresses.
func compileProxies(es *config.Errors, list []string) cidrSet {
	var out cidrSet
	for i, s := range list {
		var p netip.Prefix
		var err error
		if strings.Contains(s, "/") {
			p, err = netip.ParsePrefix(s)
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(s); err == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil || p.Addr().Zone() != "" || p.Masked() != p {
			es.Add(config.Index("trustedProxies", i), "must be a CIDR without host bits (10.0.0.0/8) or an address")
			continue
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p)
	}
	return out
}

// checkHops refuses what trustedProxies makes unsafe: trustedHops > 0 without trustedProxies
// (any client could then choose its key by writing X-Forwarded-For) and, for a ban, a key on
// the peer address while trustedProxies says peers may be proxies (the ban would ban a proxy,
// so everyone behind it).
func checkHops(es *config.Errors, path string, d *descriptor, ban bool) {
	for j, e := range d.entries {
		if e.typ != typeSourceIP {
			continue
		}
		p := config.Index(path+".descriptor", j) + ".trustedHops"
		switch {
		case e.hops > 0 && len(d.proxies) == 0:
			es.Add(p, "needs trustedProxies (the CIDRs of the proxies that append to X-Forwarded-For): without them any client chooses its own key")
		case ban && e.hops == 0 && len(d.proxies) > 0:
			es.Add(p, "is 0: this ban keys on the peer address, but trustedProxies says peers may be proxies, and banning a proxy bans everyone behind it; key it on the client address (trustedHops ≥ 1)")
		}
	}
}

func compileLimit(es *config.Errors, path string, ls LimitSpec) *limit {
	l := &limit{id: ls.ID, shadow: ls.Shadow}
	l.desc = compileDescriptor(es, path+".descriptor", ls.Descriptor, ls.OnMissing)
	switch oneOf(es, path+".backend", ls.Backend, backendLocal, backendLocal, backendRLS) {
	case backendRLS:
		l.rls = compileRLSLimit(es, path+".rls", ls.ID, ls.RLS)
		if ls.Bucket != (BucketSpec{}) {
			es.Add(path+".bucket", "must be absent with backend \"rls\" (the limit is rls.requestsPerUnit per rls.unit)")
		}
		if len(ls.Overrides) > 0 {
			es.Add(path+".overrides", "are not supported with backend \"rls\"")
		}
		l.bucket = bucket{capacity: 1, cost: 1, full: 1}
		return l
	default:
		if ls.RLS != nil {
			es.Add(path+".rls", "applies only with backend \"rls\"")
		}
		if ls.Bucket == (BucketSpec{}) {
			es.Add(path+".bucket", "is required (or backend \"rls\")")
			l.bucket = bucket{capacity: 1, cost: 1, full: 1}
			return l
		}
	}
	l.bucket = compileBucket(es, path+".bucket", ls.Bucket)
	l.bucket.policyHeader = policyHeader(ls.ID, &l.bucket)
	for k, o := range ls.Overrides {
		op := config.Index(path+".overrides", k)
		ov := override{bucket: compileBucket(es, op+".bucket", o.Bucket)}
		ov.bucket.policyHeader = policyHeader(ls.ID, &ov.bucket)
		if len(o.When) == 0 {
			es.Add(op+".when", "must name at least one descriptor entry key")
		}
		for key, val := range o.When {
			idx := -1
			for j, e := range l.desc.entries {
				if e.key == key {
					idx = j
				}
			}
			if idx < 0 {
				es.Add(op+".when."+key, "is not a key of this limit's descriptor")
				continue
			}
			ov.conds = append(ov.conds, cond{idx, val})
		}
		l.overrides = append(l.overrides, ov)
	}
	return l
}

func compileBan(es *config.Errors, path string, bs BanSpec) *ban {
	b := &ban{id: bs.ID, shadow: bs.Shadow, threshold: bs.Threshold}
	b.desc = compileDescriptor(es, path+".descriptor", bs.Descriptor, bs.OnMissing)
	if len(bs.Statuses) == 0 && len(bs.StatusClasses) == 0 {
		es.Add(path+".statuses", "statuses or statusClasses is required")
	}
	for k, s := range bs.Statuses {
		if s < 100 || s > 599 {
			es.Add(config.Index(path+".statuses", k), "must be an HTTP status (100-599)")
			continue
		}
		b.statuses[s] = true
	}
	for k, c := range bs.StatusClasses {
		if len(c) != 3 || c[0] < '1' || c[0] > '5' || c[1:] != "xx" {
			es.Add(config.Index(path+".statusClasses", k), "must be one of \"1xx\" to \"5xx\"")
			continue
		}
		b.classes |= 1 << (c[0] - '0')
	}
	if bs.Threshold < 1 || bs.Threshold > 1e6 {
		es.Add(path+".threshold", "must be 1 to 1000000")
	}
	if bs.Window == "" {
		es.Add(path+".window", "is required (a duration such as \"1m\")")
	}
	if bs.Duration == "" {
		es.Add(path+".duration", "is required (a duration such as \"10m\")")
	}
	b.window = duration(es, path+".window", bs.Window, time.Minute, time.Second)
	b.duration = duration(es, path+".duration", bs.Duration, time.Minute, time.Second)
	switch oneOf(es, path+".backend", bs.Backend, backendLocal, backendLocal, backendRLS) {
	case backendRLS:
		b.rls = compileBanRLS(es, path, bs.RLS, b.duration)
	default:
		if bs.RLS != nil {
			es.Add(path+".rls", "applies only with backend \"rls\"")
		}
	}
	if b.window > MaxFillSpan || b.duration > MaxFillSpan {
		es.Add(path, "window and duration must be at most %s", MaxFillSpan)
	}
	return b
}

// keySettings is the compiled "keys" object.
type keySettings struct {
	max        int
	evict      bool
	idle       time.Duration
	sweepEvery time.Duration
	hashKeyEnv string
}

func compileKeys(es *config.Errors, s KeysSpec) keySettings {
	k := keySettings{max: s.Max, hashKeyEnv: s.HashKeyEnv}
	if k.max == 0 {
		k.max = DefaultMaxKeys
	}
	if k.max < probeWindow || k.max > MaxMaxKeys {
		es.Add("keys.max", "must be %d to %d", probeWindow, MaxMaxKeys)
		k.max = DefaultMaxKeys
	}
	k.evict = oneOf(es, "keys.atCap", s.AtCap, atCapEvict, atCapEvict, atCapReject) == atCapEvict
	k.idle = duration(es, "keys.idleTimeout", s.IdleTimeout, DefaultIdleTimeout, time.Second)
	k.sweepEvery = duration(es, "keys.sweepInterval", s.SweepInterval, DefaultSweepInterval, 100*time.Millisecond)
	if s.HashKeyEnv != "" && !envNamePattern(s.HashKeyEnv) {
		es.Add("keys.hashKeyEnv", "must be an environment variable name ([A-Z_][A-Z0-9_]*)")
	}
	return k
}

func envNamePattern(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return len(s) <= 128
}

// sharedSettings is the compiled "shared" object.
type sharedSettings struct {
	namespace     string
	retries       int
	allowConflict bool
}

func compileShared(es *config.Errors, s SharedSpec) sharedSettings {
	ss := sharedSettings{namespace: s.Namespace, retries: DefaultCASRetries}
	if ss.namespace == "" {
		ss.namespace = DefaultNamespace
	} else {
		es.CheckID("shared.namespace", ss.namespace)
	}
	if s.CASRetries != nil {
		if *s.CASRetries < 0 || *s.CASRetries > MaxCASRetries {
			es.Add("shared.casRetries", "must be 0 to %d", MaxCASRetries)
		} else {
			ss.retries = *s.CASRetries
		}
	}
	ss.allowConflict = oneOf(es, "shared.onConflict", s.OnConflict, conflictDeny, conflictDeny, conflictAllow) == conflictAllow
	return ss
}

// replySettings is the compiled "reply" object.
type replySettings struct {
	status      int
	body        []byte
	contentType string
	legacy      bool
}

func compileReply(es *config.Errors, s ReplySpec) replySettings {
	r := replySettings{status: s.Status, body: []byte(s.Body), contentType: s.ContentType, legacy: s.LegacyHeaders}
	if r.status == 0 {
		r.status = DefaultStatus
	}
	if r.status < 400 || r.status > 599 {
		es.Add("reply.status", "must be 400 to 599")
	}
	if s.Body == "" {
		r.body = []byte(DefaultBody)
	}
	if len(r.body) > 4096 {
		es.Add("reply.body", "must be at most 4096 bytes")
	}
	if r.contentType == "" {
		r.contentType = DefaultContentType
	}
	for i := 0; i < len(r.contentType); i++ {
		if c := r.contentType[i]; c < 0x20 || c > 0x7e {
			es.Add("reply.contentType", "must be printable ASCII")
			break
		}
	}
	return r
}
