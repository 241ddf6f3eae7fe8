package jwtauthn

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
)

// maxFetchBody bounds a fetched JWKS or discovery document.
const maxFetchBody = 256 << 10

// remoteKeys keeps one provider's fetched keys and their refresh schedule. It runs only on the
// host's tick and in callout callbacks, never blocks, and reads time from the host clock:
//
//   - the first fetch runs on the first tick; later ones every cacheSeconds after a success;
//   - a failure retries after retrySeconds, doubling up to cacheSeconds;
//   - an unknown kid asks for a refetch, done on the next tick, at most once per minRefetchSeconds;
//   - after a failure the last good keys are served until staleSeconds past their cache period
//     (stale-if-error), then dropped: requests fail closed with noKeysStatus;
//   - one fetch at a time; a callout not answered within its timeout (plus a grace second) is
//     abandoned and its late answer ignored;
//   - a request that finds no keys, or an unknown kid, need not wait for a tick: it starts the
//     fetch itself and waits for it (wait), bounded by the callout's timeout, as do up to
//     maxWaiters others on hosts that can resume them (Envoy); where a request is resumed only
//     by its own callouts (nginx), up to maxJoiners requests that find a fetch in flight each
//     fetch the keys too and wait for their own answer (join); beyond them a request is decided
//     at once, failing closed.
type remoteKeys struct {
	p                                        *provider
	cluster                                  string
	discovery                                bool
	discoveryAuthority, discoveryPath        string
	jwksAuthority, jwksPath                  string // fixed, or found by discovery
	cache, minRefetch, retry, stale, timeout time.Duration

	keys       *KeySet
	bodySum    [32]byte  // of the JWKS the keys came from: unchanged keys keep the token cache
	fetchedAt  time.Time // of the current keys
	staleAt    time.Time // fetchedAt + cache + stale: the current keys are dropped from then (current)
	nextFetch  time.Time // zero: on the next tick
	lastForced time.Time // of the last unknown-kid refetch
	wantFetch  bool      // an unknown kid asked for a refetch
	failures   int
	seq        uint64 // of the callout in flight; answers to older ones are ignored
	inFlight   bool
	sentAt     time.Time
	waiters    []func() // requests waiting for the fetch in flight
	waitOK     bool     // remote.waitForKeys
	// joiners counts the requests fetching beside the fetch in flight (join); joinRound
	// numbers the fetches, so that a joiner's end is counted only in its own fetch's round.
	joiners   int
	joinRound uint64
}

// maxWaiters bounds the requests paused for one provider's fetch.
const maxWaiters = 256

// maxJoiners bounds, per provider and fetch in flight, the requests that fetch the keys beside
// it (join): the callouts a cold worker sends its identity provider at once.
const maxJoiners = 32

// mayFetchNow reports whether a request without usable keys may start (or join) a fetch now:
// not while a failed fetch's back-off runs, and for an unknown kid at most once per minRefetch.
func (r *remoteKeys) mayFetchNow(now time.Time, unknownKid bool) bool {
	switch {
	case !r.waitOK:
		return false
	case r.inFlight:
		return true
	case unknownKid:
		return now.Sub(r.lastForced) >= r.minRefetch
	}
	return r.failures == 0 || !now.Before(r.nextFetch)
}

// wait registers ready to be called when the fetch in flight ends, starting one if none is. It
// reports false (ready is never called) when the request cannot wait: too many waiting, or a
// fetch the host refused. On a host that cannot resume a request from another request's
// callout, a request that finds a fetch in flight joins it (join).
func (r *remoteKeys) wait(now time.Time, ready func()) bool {
	if len(r.waiters) >= maxWaiters {
		return false
	}
	if r.inFlight && !r.p.host().Capabilities().ResumesOtherRequests {
		return r.join(ready)
	}
	if !r.inFlight {
		if r.keys != nil {
			r.lastForced = now // an unknown kid's refetch
		}
		r.wantFetch = false
		r.fetch(now)
		if !r.inFlight {
			return false
		}
	}
	r.waiters = append(r.waiters, ready)
	return true
}

// join fetches the keys for one request that finds a fetch in flight on a host that resumes a
// request only after its own callouts (ngx_wasm_module): the request sends the same callouts
// (discovery while the JWKS location is unknown, then the JWKS) and is ready when its own
// answer is in. A usable answer installs the keys as the fetch in flight's would (the same
// set again changes nothing, and is not parsed again); a failed one only ends this request's
// wait, which then fails closed: the schedule and its back-off stay the fetch in flight's.
// Without this every request reaching a cold worker during the fetch got noKeysStatus
// (e2e TestJWKSColdStartConcurrent). It reports false, as wait, when maxJoiners requests
// already fetch beside the fetch in flight or the host refuses the callout.
func (r *remoteKeys) join(ready func()) bool {
	if r.joiners >= maxJoiners {
		return false
	}
	round := r.joinRound
	r.joiners++
	done := func() {
		if round == r.joinRound {
			r.joiners--
		}
		ready()
	}
	installed := func(now time.Time, body []byte) {
		if err := r.onJWKS(now, body); err != nil {
			r.p.host().Log(policy.LogDebug, r.p.describe()+": a joined key fetch brought no keys: "+err.Error())
		}
		done()
	}
	var err error
	if r.discovery && r.jwksPath == "" {
		err = r.fetchJoined(r.discoveryAuthority, r.discoveryPath, func(now time.Time, body []byte) {
			authority, path, err := r.jwksLocation(body)
			if err == nil {
				err = r.fetchJoined(authority, path, installed, done)
			}
			if err != nil {
				done()
			}
		}, done)
	} else {
		err = r.fetchJoined(r.jwksAuthority, r.jwksPath, installed, done)
	}
	if err != nil {
		r.joiners--
		return false
	}
	return true
}

// fetchJoined sends one of a joining request's callouts (join): handle gets a good answer and
// ends the request's wait itself; any other answer ends it at once (failed).
func (r *remoteKeys) fetchJoined(authority, path string, handle func(time.Time, []byte), failed func()) error {
	host := r.p.host()
	return host.Fetch(r.request(authority, path), func(resp policy.FetchResponse, err error) {
		if fetchFailure(resp, err) != "" {
			failed()
			return
		}
		handle(host.Now(), resp.Body)
	})
}

// fetchFailure says why a callout's answer brings no document, "" when it brings one.
func fetchFailure(resp policy.FetchResponse, err error) string {
	switch {
	case errors.Is(err, policy.ErrBodyTooLarge):
		return "body larger than 256 KiB, not read"
	case err != nil:
		return "callout failed"
	case resp.Status != 200:
		return "status " + strconv.Itoa(resp.Status)
	case len(resp.Body) > maxFetchBody: // from a host that ignores MaxBody
		return "body larger than 256 KiB"
	}
	return ""
}

// request is the callout for authority and path.
func (r *remoteKeys) request(authority, path string) policy.FetchRequest {
	return policy.FetchRequest{Cluster: r.cluster, Method: "GET", Authority: authority, Path: path,
		Headers: [][2]string{{"accept", "application/json"}}, Timeout: r.timeout, MaxBody: maxFetchBody}
}

// wake calls every waiter once the fetch is over, well or not.
func (r *remoteKeys) wake() {
	ws := r.waiters
	r.waiters = nil
	for _, ready := range ws {
		ready()
	}
}

func compileRemote(es *config.Errors, providerPath string, p *provider, rs *RemoteSpec) *remoteKeys {
	path := config.JoinPath(providerPath, "remote")
	r := &remoteKeys{p: p, cluster: rs.Cluster, discovery: rs.Discovery,
		cache:      seconds(rs.CacheSeconds, defaultCacheSeconds),
		minRefetch: seconds(rs.MinRefetchSeconds, defaultRefetchSeconds),
		retry:      seconds(rs.RetrySeconds, defaultRetrySeconds),
		stale:      time.Duration(defaultStaleSeconds) * time.Second,
		timeout:    time.Duration(defaultTimeoutMillis) * time.Millisecond,
		waitOK:     rs.WaitForKeys == nil || *rs.WaitForKeys}
	if rs.StaleSeconds != nil {
		r.stale = time.Duration(*rs.StaleSeconds) * time.Second
		if *rs.StaleSeconds < 0 || *rs.StaleSeconds > 7*86400 {
			es.Add(config.JoinPath(path, "staleSeconds"), "must be 0 to 604800")
		}
	}
	if rs.TimeoutMillis != 0 {
		r.timeout = time.Duration(rs.TimeoutMillis) * time.Millisecond
		if rs.TimeoutMillis < 100 || rs.TimeoutMillis > 60000 {
			es.Add(config.JoinPath(path, "timeoutMillis"), "must be 100 to 60000")
		}
	}
	for _, c := range []struct {
		name string
		v    int
	}{{"cacheSeconds", rs.CacheSeconds}, {"minRefetchSeconds", rs.MinRefetchSeconds}, {"retrySeconds", rs.RetrySeconds}} {
		if c.v < 0 || c.v > 86400 {
			es.Add(config.JoinPath(path, c.name), "must be 0 (default) to 86400")
		}
	}
	if rs.Cluster == "" {
		es.Add(config.JoinPath(path, "cluster"), "is required (the upstream cluster serving the keys)")
	}
	switch {
	case rs.Discovery == (rs.JWKSURI != ""):
		es.Add(path, "needs exactly one of jwksUri or discovery: true")
	case rs.Discovery:
		r.discoveryAuthority, r.discoveryPath = splitURL(es, config.JoinPath(providerPath, "issuer"),
			trimSlash(p.issuer)+"/.well-known/openid-configuration")
	default:
		r.jwksAuthority, r.jwksPath = splitURL(es, config.JoinPath(path, "jwksUri"), rs.JWKSURI)
	}
	return r
}

func seconds(v, def int) time.Duration {
	if v == 0 {
		v = def
	}
	return time.Duration(v) * time.Second
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

// current returns the keys usable at now, dropping them once stale past the limit.
func (r *remoteKeys) current(now time.Time) *KeySet {
	if r.keys != nil && !now.Before(r.staleAt) {
		r.p.host().Log(policy.LogWarn, r.p.describe()+": keys dropped, stale past staleSeconds; failing closed until a fetch succeeds")
		r.setKeys(nil, [32]byte{}, now)
	}
	return r.keys
}

// unknownKid asks for a refetch on the next tick, at most once per minRefetch.
func (r *remoteKeys) unknownKid(now time.Time) {
	if !r.wantFetch && now.Sub(r.lastForced) >= r.minRefetch {
		r.wantFetch = true
		r.lastForced = now
	}
}

// tick starts a fetch when one is due.
func (r *remoteKeys) tick(now time.Time) {
	r.current(now)
	if r.inFlight {
		if now.Sub(r.sentAt) < r.timeout+time.Second {
			return
		}
		r.inFlight = false // lost: the host never answered
		r.failed(now, "callout not answered")
		r.wake()
	}
	if !r.wantFetch && now.Before(r.nextFetch) || !r.p.host().Capabilities().TickCallouts {
		return // on nginx requests start the fetches (refreshDue)
	}
	r.wantFetch = false
	r.fetch(now)
}

// refreshDue reports whether a request should start the due fetch itself: on hosts where
// callouts cannot go out from the tick, while none is in flight.
func (r *remoteKeys) refreshDue(now time.Time) bool {
	return r.waitOK && !r.inFlight && !r.p.host().Capabilities().TickCallouts &&
		(r.wantFetch || !now.Before(r.nextFetch))
}

// fetch starts the due callout: discovery when the JWKS location is unknown or due again,
// else the JWKS. Its joiners (join) are counted afresh.
func (r *remoteKeys) fetch(now time.Time) {
	r.joiners, r.joinRound = 0, r.joinRound+1
	if r.discovery && r.jwksPath == "" || r.discovery && r.keys != nil && !now.Before(r.fetchedAt.Add(r.cache)) {
		r.send(now, r.discoveryAuthority, r.discoveryPath, r.onDiscovery)
		return
	}
	r.send(now, r.jwksAuthority, r.jwksPath, r.onJWKS)
}

// send dispatches one callout; handle gets only the answer to the latest one.
func (r *remoteKeys) send(now time.Time, authority, path string, handle func(time.Time, []byte) error) {
	r.seq++
	seq := r.seq
	r.inFlight, r.sentAt = true, now
	host := r.p.host()
	err := host.Fetch(r.request(authority, path),
		func(resp policy.FetchResponse, err error) {
			if seq != r.seq || !r.inFlight {
				return // abandoned
			}
			r.inFlight = false
			now := host.Now()
			if why := fetchFailure(resp, err); why != "" {
				r.failed(now, why)
			} else if err := handle(now, resp.Body); err != nil {
				r.failed(now, err.Error())
			}
			if !r.inFlight { // over (discovery goes on with the JWKS callout)
				r.wake()
			}
		})
	if err != nil {
		r.inFlight = false
		r.failed(now, "callout refused by the host")
		r.wake()
	}
}

// onDiscovery reads jwks_uri from an OIDC discovery document and fetches it. The document's
// issuer must be the provider's, and jwks_uri must be https on the configured cluster's host
// (the issuer's): the callout can reach no other.
func (r *remoteKeys) onDiscovery(now time.Time, body []byte) error {
	authority, path, err := r.jwksLocation(body)
	if err != nil {
		return err
	}
	r.jwksAuthority, r.jwksPath = authority, path
	r.send(now, authority, path, r.onJWKS)
	return nil
}

// jwksLocation reads and checks jwks_uri from an OIDC discovery document (onDiscovery).
func (r *remoteKeys) jwksLocation(body []byte) (authority, path string, err error) {
	obj, err := parseObject(body)
	if err != nil {
		return "", "", errors.New("discovery document is not a JSON object")
	}
	iss, _, err := obj.str("issuer")
	if err != nil || iss != r.p.issuer {
		return "", "", errors.New("discovery document names another issuer")
	}
	uri, ok, err := obj.str("jwks_uri")
	if err != nil || !ok {
		return "", "", errors.New("discovery document has no jwks_uri")
	}
	var es config.Errors
	authority, path = splitURL(&es, "jwks_uri", uri)
	if es.Err() != nil || authority != r.discoveryAuthority {
		return "", "", errors.New("jwks_uri is not https on the issuer's host")
	}
	return authority, path, nil
}

// onJWKS installs a fetched key set. Unusable keys are skipped and logged (by index and kid:
// never key material); a set with no usable key is a failure. The set in use fetched again
// (a refresh, or a request's joined fetch, join) is not parsed again: only its schedule moves.
func (r *remoteKeys) onJWKS(now time.Time, body []byte) error {
	sum := sha256.Sum256(body)
	ks := r.keys
	if ks == nil || sum != r.bodySum {
		var skipped []SkippedKey
		var err error
		if ks, skipped, err = parseJWKS(body, false); err != nil {
			return err
		}
		for _, s := range skipped {
			r.p.host().Log(policy.LogWarn, fmt.Sprintf("%s: JWKS key %d skipped: %v", r.p.describe(), s.Index, s.Err))
		}
		if ks.Len() == 0 {
			return errors.New("JWKS has no usable key")
		}
	}
	r.failures = 0
	r.nextFetch = now.Add(r.cache)
	r.setKeys(ks, sum, now)
	return nil
}

// failed schedules a retry with exponential backoff, keeping the current keys.
func (r *remoteKeys) failed(now time.Time, why string) {
	r.failures++
	backoff := r.retry << min(r.failures-1, 16)
	r.nextFetch = now.Add(min(backoff, r.cache))
	state := "no keys yet: failing closed"
	if r.keys != nil {
		state = "serving the last good keys"
	}
	r.p.host().Log(policy.LogWarn, fmt.Sprintf("%s: key fetch failed (%s); %s; retry in %s", r.p.describe(), why, state, r.nextFetch.Sub(now)))
}

// setKeys replaces the keys; a different set drops the verified-token cache.
func (r *remoteKeys) setKeys(ks *KeySet, sum [32]byte, now time.Time) {
	changed := sum != r.bodySum || (ks == nil) != (r.keys == nil)
	r.keys, r.bodySum = ks, sum
	if ks != nil {
		r.fetchedAt, r.staleAt = now, now.Add(r.cache+r.stale)
	}
	if changed {
		r.p.keysChanged()
	}
}
