package nginx

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wasmward/wasmward/shared/harness"
)

// Send sends req to addr as written, over a new connection: the request target, header names,
// order and duplicates go on the wire unchanged (net/http would clean the path, canonicalize
// names and add User-Agent and Accept-Encoding). The body, if any, has a Content-Length.
func Send(addr string, req harness.Request, timeout time.Duration) (harness.Reply, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return harness.Reply{}, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	method, path, authority := req.Method, req.Path, req.Authority
	if method == "" {
		method = "GET"
	}
	if path == "" {
		path = "/"
	}
	if authority == "" {
		authority = "example.com"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, path, authority)
	for _, h := range req.Headers {
		if !strings.EqualFold(h[0], "host") {
			fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
		}
	}
	b.WriteString("\r\n")
	b.WriteString(req.Body)
	if _, err := io.WriteString(c, b.String()); err != nil {
		return harness.Reply{}, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return harness.Reply{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return harness.Reply{}, fmt.Errorf("reading the body: %w", err)
	}
	out := harness.Reply{Status: resp.StatusCode, Body: string(body)}
	for name, values := range resp.Header {
		for _, v := range values {
			out.Headers = append(out.Headers, [2]string{strings.ToLower(name), v})
		}
	}
	if resp.ContentLength >= 0 {
		out.Headers = append(out.Headers, [2]string{"content-length", strconv.FormatInt(resp.ContentLength, 10)})
	}
	return out, nil
}
