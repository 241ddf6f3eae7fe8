// Command upstream is the e2e upstream service (e2ekit.Upstream): it answers every request with
// the reply queued by the driver (PUT /_e2e/next) and records the request as it arrived, which
// the driver reads back (GET /_e2e/last) to check what the plugins forwarded.
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
	log.Printf("upstream: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, &e2ekit.Upstream{}))
}
