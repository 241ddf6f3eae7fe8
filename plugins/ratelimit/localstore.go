package ratelimit

import "github.com/wasmward/wasmward/shared/policy"

// localStore is the per-VM stand-in for shared data on hosts without it (ngx_wasm_module
// without an shm_kv zone): the same slots and records, counted per worker. It has Envoy's
// semantics (versions from 1, cas 0 writes unconditionally) so the table code is the same.
// A VM runs one callback at a time, so it needs no lock.
type localStore struct {
	data map[string]localEntry
}

type localEntry struct {
	value []byte
	cas   uint32
}

func newLocalStore() *localStore { return &localStore{data: map[string]localEntry{}} }

func (s *localStore) Get(key string) ([]byte, uint32, error) {
	e, ok := s.data[key]
	if !ok {
		return nil, 0, policy.ErrNotFound
	}
	return e.value, e.cas, nil
}

func (s *localStore) CompareAndSwap(key string, value []byte, cas uint32) error {
	e := s.data[key]
	if cas != 0 && cas != e.cas {
		return policy.ErrCASMismatch
	}
	// Reuse the entry's buffer: values are fixed-size records, so steady state allocates nothing.
	s.data[key] = localEntry{value: append(e.value[:0], value...), cas: e.cas + 1}
	return nil
}
