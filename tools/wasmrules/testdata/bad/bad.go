// Package bad uses what the Go-on-Wasm rules forbid (TestCheckFindsEachForbiddenUse).
package bad

import (
	"context"
	cr "crypto/rand"
	"runtime"
	"time"
)

func bad() {
	_, _ = cr.Read(make([]byte, 1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = ctx
	time.Sleep(time.Millisecond)
	time.AfterFunc(time.Second, func() {})
	runtime.GC()
	_ = time.Now()
}
