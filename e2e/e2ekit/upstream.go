package e2ekit

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Upstream control paths. They are reached directly, never through the proxy.
const (
	NextPath = "/_e2e/next" // PUT a Reply: the answer to the next proxied request
	LastPath = "/_e2e/last" // GET the Seen request that reached the upstream last
)

// Reply is a queued upstream reply.
type Reply struct {
	Status  int         `json:"status"`
	Headers [][2]string `json:"headers"`
	Body    string      `json:"body"`
}

// Seen is a request as the upstream received it: the method, the request target as sent
// (path and query, undecoded), every header value (names lower-cased) and the body.
type Seen struct {
	Method  string      `json:"method"`
	Path    string      `json:"path"`
	Headers [][2]string `json:"headers"`
	Body    string      `json:"body"`
}

// Header returns the values of the named header (case-insensitive), in arrival order.
func (s *Seen) Header(name string) []string {
	var out []string
	for _, h := range s.Headers {
		if strings.EqualFold(h[0], name) {
			out = append(out, h[1])
		}
	}
	return out
}

// Upstream is the e2e upstream service: it answers every request with the reply queued by the
// driver (default 200, empty body, as in the harness) and records the request as it arrived.
type Upstream struct {
	mu   sync.Mutex
	next *Reply
	last *Seen
}

// ServeHTTP serves the control paths and answers every other request.
func (u *Upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == NextPath && r.Method == http.MethodPut:
		u.queue(w, r)
	case r.URL.Path == LastPath && r.Method == http.MethodGet:
		u.lastSeen(w)
	default:
		u.serve(w, r)
	}
}

// Queue sets the reply to the next proxied request and forgets the last one seen (in-process
// drivers call it directly).
func (u *Upstream) Queue(rep Reply) {
	u.mu.Lock()
	u.next, u.last = &rep, nil
	u.mu.Unlock()
}

// Last returns the last request that reached the upstream since the last Queue, or nil.
func (u *Upstream) Last() *Seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.last
}

func (u *Upstream) queue(w http.ResponseWriter, r *http.Request) {
	var rep Reply
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&rep); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	u.Queue(rep)
	w.WriteHeader(http.StatusNoContent)
}

func (u *Upstream) lastSeen(w http.ResponseWriter) {
	last := u.Last()
	if last == nil {
		http.Error(w, "no request reached the upstream", http.StatusNotFound)
		return
	}
	json.NewEncoder(w).Encode(last)
}

func (u *Upstream) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	seen := &Seen{Method: r.Method, Path: r.RequestURI, Body: string(body)}
	for name, values := range r.Header {
		for _, v := range values {
			seen.Headers = append(seen.Headers, [2]string{strings.ToLower(name), v})
		}
	}
	if r.Host != "" {
		seen.Headers = append(seen.Headers, [2]string{"host", r.Host})
	}
	u.mu.Lock()
	rep := Reply{Status: 200}
	if u.next != nil {
		rep, u.next = *u.next, nil
	}
	u.last = seen
	u.mu.Unlock()
	for _, h := range rep.Headers {
		w.Header().Add(h[0], h[1])
	}
	if rep.Status == 0 {
		rep.Status = 200
	}
	w.WriteHeader(rep.Status)
	io.WriteString(w, rep.Body)
}

// IdentityProvider serves the OpenID discovery document and the JWKS of the test key.
func IdentityProvider() http.Handler {
	mux := http.NewServeMux()
	serve := func(body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("content-type", "application/json")
			w.Write(body)
		}
	}
	mux.Handle("GET "+JWKSPath, serve(JWKS()))
	mux.Handle("GET "+DiscoveryPath, serve(Discovery()))
	return mux
}
