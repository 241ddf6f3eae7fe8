package nginx

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Load is a bounded closed-loop load: Clients keep-alive connections to one loopback address,
// each sending the next request as soon as the previous reply is read, until Requests replies
// have been read in all. It is the load generator of `make bench-nginx`: no external tool, the
// request bytes rendered once, one reader per connection, one latency sample per request.
type Load struct {
	Addr     string
	Request  []byte // the whole HTTP/1.1 request, keep-alive
	Clients  int
	Requests int
	Timeout  time.Duration // per request; a timed-out connection is redialled
}

// LoadResult is what a Load measured.
type LoadResult struct {
	Requests  int           // replies read
	Errors    int           // transport errors (the connection is redialled)
	Elapsed   time.Duration // wall time of the whole load
	Latencies []time.Duration
	Statuses  map[int]int
}

// Rate is replies per second.
func (r LoadResult) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile latency (0 < p < 100), 0 without samples.
func (r LoadResult) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	s := slices.Clone(r.Latencies)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p/100))]
}

// StatusLine lists the statuses seen, most frequent first ("200×18000").
func (r LoadResult) StatusLine() string {
	var codes []int
	for c := range r.Statuses {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, b int) int { return r.Statuses[b] - r.Statuses[a] })
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", c, r.Statuses[c]))
	}
	if r.Errors > 0 {
		parts = append(parts, fmt.Sprintf("errors×%d", r.Errors))
	}
	return strings.Join(parts, " ")
}

// GetRequest renders a keep-alive GET with the given headers.
func GetRequest(path, host string, headers [][2]string) []byte {
	return render("GET", path, host, headers, nil)
}

// PostRequest renders a keep-alive POST of body, of type contentType, with the given headers.
func PostRequest(path, host string, headers [][2]string, contentType string, body []byte) []byte {
	return render("POST", path, host, append(slices.Clone(headers), [2]string{"Content-Type", contentType},
		[2]string{"Content-Length", strconv.Itoa(len(body))}), body)
}

func render(method, path, host string, headers [][2]string, body []byte) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, host)
	for _, h := range headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("\r\n")
	b.Write(body)
	return []byte(b.String())
}

// Run sends the load and waits for it to finish. A connection the server closes (a deny may
// close it) is redialled and counts no error.
func (l Load) Run() LoadResult {
	clients := max(1, l.Clients)
	timeout := l.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	var next atomic.Int64
	var mu sync.Mutex
	res := LoadResult{Statuses: map[int]int{}, Latencies: make([]time.Duration, 0, l.Requests)}
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var conn net.Conn
			var br *bufio.Reader
			lat := make([]time.Duration, 0, l.Requests/clients+1)
			statuses := map[int]int{}
			errs := 0
			defer func() {
				if conn != nil {
					conn.Close()
				}
				mu.Lock()
				res.Latencies = append(res.Latencies, lat...)
				for c, n := range statuses {
					res.Statuses[c] += n
					res.Requests += n
				}
				res.Errors += errs
				mu.Unlock()
			}()
			for next.Add(1) <= int64(l.Requests) {
				for attempt := 0; ; attempt++ {
					if conn == nil {
						c, err := net.DialTimeout("tcp", l.Addr, timeout)
						if err != nil {
							errs++
							if attempt > 3 {
								return
							}
							continue
						}
						conn, br = c, bufio.NewReaderSize(c, 16<<10)
					}
					t0 := time.Now()
					conn.SetDeadline(t0.Add(timeout))
					status, keep, err := RoundTrip(conn, br, l.Request)
					if err != nil {
						conn.Close()
						conn = nil
						if attempt == 0 { // a keep-alive connection the server had closed
							continue
						}
						errs++
						if attempt > 3 {
							return
						}
						continue
					}
					lat = append(lat, time.Since(t0))
					statuses[status]++
					if !keep {
						conn.Close()
						conn = nil
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res
}

// RoundTrip writes req (raw bytes, sent as they are) on conn and reads one response from br,
// discarding its body; keepAlive reports whether the server keeps the connection open.
func RoundTrip(conn net.Conn, br *bufio.Reader, req []byte) (status int, keepAlive bool, err error) {
	if _, err := conn.Write(req); err != nil {
		return 0, false, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, false, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, false, err
	}
	return resp.StatusCode, !resp.Close, nil
}
