// Command upstream is the e2e upstream service. It answers every request with the reply queued
// by the driver (PUT /_e2e/next, JSON {"status","headers","body"}; default 200, empty body, as in the harness) and records
// the request as it arrived, which the driver reads back (GET /_e2e/last) to check what the
// plugins forwarded. The control paths are reached directly, never through Envoy.
package main

import (
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
)

// Reply is a queued upstream reply.
type Reply struct {
	Status  int         `json:"status"`
	Headers [][2]string `json:"headers"`
	Body    string      `json:"body"`
}

// Seen is a request as the upstream received it.
type Seen struct {
	Method  string      `json:"method"`
	Path    string      `json:"path"`
	Headers [][2]string `json:"headers"`
	Body    string      `json:"body"`
}

type server struct {
	mu   sync.Mutex
	next *Reply
	last *Seen
}

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	s := &server{}
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /_e2e/next", s.queue)
	mux.HandleFunc("GET /_e2e/last", s.lastSeen)
	mux.HandleFunc("/", s.serve)
	log.Printf("upstream: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

func (s *server) queue(w http.ResponseWriter, r *http.Request) {
	var rep Reply
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&rep); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.next, s.last = &rep, nil
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) lastSeen(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		http.Error(w, "no request reached the upstream", http.StatusNotFound)
		return
	}
	json.NewEncoder(w).Encode(s.last)
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	seen := &Seen{Method: r.Method, Path: r.URL.RequestURI(), Body: string(body)}
	for name, values := range r.Header {
		for _, v := range values {
			seen.Headers = append(seen.Headers, [2]string{strings.ToLower(name), v})
		}
	}
	s.mu.Lock()
	rep := Reply{Status: 200}
	if s.next != nil {
		rep, s.next = *s.next, nil
	}
	s.last = seen
	s.mu.Unlock()
	for _, h := range rep.Headers {
		w.Header().Add(h[0], h[1])
	}
	if rep.Status == 0 {
		rep.Status = 200
	}
	w.WriteHeader(rep.Status)
	io.WriteString(w, rep.Body)
}
