// Command jwks is the e2e identity provider: it serves the OpenID discovery document and the JWKS
// of e2ekit's test key, as the "idp" cluster of the generated Envoy configs expects.
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/wasmward/wasmward/e2e/e2ekit"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	mux := http.NewServeMux()
	serve := func(body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("content-type", "application/json")
			w.Write(body)
		}
	}
	mux.Handle("GET "+e2ekit.JWKSPath, serve(e2ekit.JWKS()))
	mux.Handle("GET "+e2ekit.DiscoveryPath, serve(e2ekit.Discovery()))
	log.Printf("jwks: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}
