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
	log.Printf("jwks: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, e2ekit.IdentityProvider()))
}
