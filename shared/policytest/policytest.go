// Package policytest provides test doubles of the host services a policy core uses, so cores are
// tested natively without proxy-wasm: a driven clock, an in-memory shared store with Envoy's
// semantics, recorded callouts, an environment and a log.
package policytest

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wasmward/wasmward/shared/policy"
)

// Start is the fake clock's initial time.
var Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Host is a fake policy.Host. The zero value is not usable; use NewHost.
type Host struct {
	Clock   time.Time
	EnvVars map[string]string
	Props   map[string][]byte // keys: path segments joined by "/"
	// Store is the shared store; set NoShared to simulate a host without shared data.
	Store    *Store
	NoShared bool
	// Fetches are the callouts dispatched and not yet answered, oldest first.
	Fetches []*Fetch
	// FetchErr, when set, makes Fetch fail at dispatch.
	FetchErr error
	Lines    []string
	// Caps is what Capabilities reports; the zero value means policy.FullCapabilities (Envoy).
	Caps policy.Capabilities
}

// Capabilities implements policy.Host.
func (h *Host) Capabilities() policy.Capabilities {
	if h.Caps.Kind == "" {
		return policy.FullCapabilities
	}
	return h.Caps
}

// NewHost returns a fake host at Start with an empty store.
func NewHost() *Host {
	return &Host{Clock: Start, EnvVars: map[string]string{}, Props: map[string][]byte{}, Store: NewStore()}
}

// Fetch is one recorded callout.
type Fetch struct {
	Request policy.FetchRequest
	done    func(policy.FetchResponse, error)
}

// Respond completes the callout with a response.
func (f *Fetch) Respond(status int, body string) {
	f.done(policy.FetchResponse{Status: status, Body: []byte(body)}, nil)
}

// Fail completes the callout with an error.
func (f *Fetch) Fail(err error) { f.done(policy.FetchResponse{}, err) }

func (h *Host) Now() time.Time          { return h.Clock }
func (h *Host) Advance(d time.Duration) { h.Clock = h.Clock.Add(d) }

func (h *Host) Env(name string) (string, bool) {
	v, ok := h.EnvVars[name]
	return v, ok
}

func (h *Host) Log(level policy.LogLevel, msg string) {
	h.Lines = append(h.Lines, fmt.Sprintf("%d %s", level, msg))
}

func (h *Host) Property(path ...string) ([]byte, bool) {
	v, ok := h.Props[strings.Join(path, "/")]
	return v, ok
}

func (h *Host) PropertyString(path ...string) (string, bool) {
	v, ok := h.Property(path...)
	return string(v), ok
}

func (h *Host) Shared() (policy.SharedStore, error) {
	if h.NoShared {
		return nil, policy.ErrUnsupported
	}
	return h.Store, nil
}

func (h *Host) Fetch(req policy.FetchRequest, done func(policy.FetchResponse, error)) error {
	if h.FetchErr != nil {
		return h.FetchErr
	}
	h.Fetches = append(h.Fetches, &Fetch{Request: req, done: done})
	return nil
}

// TakeFetch removes and returns the oldest pending callout, or nil.
func (h *Host) TakeFetch() *Fetch {
	if len(h.Fetches) == 0 {
		return nil
	}
	f := h.Fetches[0]
	h.Fetches = h.Fetches[1:]
	return f
}

// Store is an in-memory policy.SharedStore with Envoy's semantics: versions start at 1 and grow
// with every write; CompareAndSwap with cas 0 writes unconditionally. It is safe for concurrent
// use, so several policy instances (workers) can share one Store.
type Store struct {
	mu   sync.Mutex
	data map[string]entry
	// BeforeWrite, when set, runs before every CompareAndSwap: contention tests use it to
	// interleave another worker's write between a read and its CAS.
	BeforeWrite func(key string)
	// MaxKeys, when > 0, makes the store evict as ngx_wasm_module's full shm_kv zone does: a
	// write adding a key beyond MaxKeys first removes the least recently written key.
	MaxKeys int
	writes  uint64 // write sequence, for MaxKeys
}

type entry struct {
	value   []byte
	cas     uint32
	written uint64 // the write sequence number of the last write
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{data: map[string]entry{}} }

func (s *Store) Get(key string) ([]byte, uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[key]
	if !ok {
		return nil, 0, policy.ErrNotFound
	}
	return append([]byte(nil), e.value...), e.cas, nil
}

func (s *Store) CompareAndSwap(key string, value []byte, cas uint32) error {
	if hook := s.BeforeWrite; hook != nil {
		hook(key)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, exists := s.data[key]
	if cas != 0 && cas != e.cas {
		return policy.ErrCASMismatch
	}
	if !exists && s.MaxKeys > 0 && len(s.data) >= s.MaxKeys {
		s.evictOldest()
	}
	s.writes++
	s.data[key] = entry{value: append([]byte(nil), value...), cas: e.cas + 1, written: s.writes}
	return nil
}

// evictOldest removes the least recently written key (a scan: test stores are small).
func (s *Store) evictOldest() {
	oldest, first := "", true
	for k, e := range s.data {
		if first || e.written < s.data[oldest].written {
			oldest, first = k, false
		}
	}
	delete(s.data, oldest)
}

// Len is the number of keys stored.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.data)
}

// Keys returns every stored key (for asserting that no raw data is stored).
func (s *Store) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.data))
	for k := range s.data {
		keys = append(keys, k)
	}
	return keys
}

var _ policy.Host = (*Host)(nil)
