package corpus

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"strings"
)

// Positions a payload or benign value is placed into.
const (
	PosQuery       = "query"        // /api/search?q=V&page=1, V percent-encoded
	PosPath        = "path"         // /api/files/V, V percent-encoded except '/'
	PosForm        = "form"         // application/x-www-form-urlencoded body field
	PosJSON        = "json"         // JSON body, in an object in an array in an object
	PosMultipart   = "multipart"    // multipart/form-data part content
	PosFilename    = "filename"     // multipart/form-data file name
	PosCookie      = "cookie"       // a Cookie value, percent-encoded
	PosHeader      = "header"       // a custom header (X-Note)
	PosUserAgent   = "user-agent"   // the User-Agent header
	PosReferer     = "referer"      // the query of the Referer URL
	PosXML         = "xml"          // an application/xml body's text (escaped; XML fragments as is)
	PosXMLDocument = "xml-document" // the whole application/xml body
	PosMethod      = "method"       // the request method
	PosProtocol    = "protocol"     // the protocol of the request line
)

// ValuePositions are the positions every value-like payload (sqli, xss, …) is placed into.
var ValuePositions = []string{PosQuery, PosPath, PosForm, PosJSON, PosMultipart, PosFilename, PosCookie,
	PosHeader, PosUserAgent, PosReferer, PosXML}

// BrowserUA is the User-Agent of generated requests (unless the value goes there).
const BrowserUA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

// MultipartBoundary is the boundary of generated multipart bodies.
const MultipartBoundary = "----wafbench7MA4YWxkTrZu0gW"

// Place builds the request carrying text at pos. URL-like positions (query, path, form, cookie,
// referer) percent-encode the value the application decodes (decodeOnce: a list entry written
// already percent-encoded is decoded first, so that "%3cscript%3e" and "<script>" arrive alike
// and a double-encoded entry stays double-encoded); headers carry the decoded value when it is
// printable ASCII, else its percent-encoding; bodies (JSON, multipart, XML) carry the decoded
// value as the format encodes text. fragment (XML payloads) inserts text into the XML body
// unescaped.
func Place(pos, text string, fragment bool) Request {
	v := decodeOnce(text)
	r := Request{Method: "GET", Target: "/api/items/7"}
	ua := BrowserUA
	var extra [][2]string
	contentType := ""
	switch pos {
	case PosQuery:
		r.Target = "/api/search?q=" + escape(v, "") + "&page=1"
	case PosPath:
		r.Target = "/api/files/" + escape(v, "/")
	case PosForm:
		r.Method, contentType = "POST", "application/x-www-form-urlencoded"
		r.Body = []byte("item=A-100&qty=1&note=" + escape(v, ""))
	case PosJSON:
		r.Method, contentType = "POST", "application/json"
		r.Body = jsonNested(v)
	case PosMultipart, PosFilename:
		r.Method, contentType = "POST", "multipart/form-data; boundary="+MultipartBoundary
		if pos == PosMultipart {
			r.Body = multipartBody(v, "notes.txt")
		} else {
			r.Body = multipartBody("see attachment", v)
		}
	case PosCookie:
		extra = append(extra, [2]string{"Cookie", "sid=7f3a9c2e41; note=" + escape(v, "")})
	case PosHeader:
		extra = append(extra, [2]string{"X-Note", headerValue(v)})
	case PosUserAgent:
		ua = headerValue(v)
	case PosReferer:
		extra = append(extra, [2]string{"Referer", "https://www.example.com/search?q=" + escape(v, "")})
	case PosXML:
		r.Method, contentType = "POST", "application/xml"
		inner := v
		if !fragment {
			var b bytes.Buffer
			_ = xml.EscapeText(&b, []byte(v))
			inner = b.String()
		}
		r.Body = []byte(`<?xml version="1.0" encoding="UTF-8"?><order><id>1007</id><note>` + inner + `</note></order>`)
	case PosXMLDocument:
		r.Method, contentType = "POST", "application/xml"
		r.Body = []byte(v)
	case PosMethod:
		r.Method = text
	case PosProtocol:
		r.Proto = text
	default:
		panic("corpus: unknown position " + pos)
	}
	r.Headers = [][2]string{{"Host", DefaultHost}, {"User-Agent", ua}, {"Accept", "*/*"}}
	r.Headers = append(r.Headers, extra...)
	if contentType != "" {
		r.Headers = append(r.Headers, [2]string{"Content-Type", contentType})
	}
	return r
}

// escape percent-encodes every byte but the unreserved ones (RFC 3986) and those in keep.
func escape(s, keep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~"+keep, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// headerValue is v when it is printable ASCII, else v with every other byte percent-encoded
// (a header cannot carry CR, LF or NUL).
func headerValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if c := v[i]; c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// jsonNested is a JSON order carrying v in an object in an array in an object.
func jsonNested(v string) []byte {
	type line struct {
		SKU  string `json:"sku"`
		Qty  int    `json:"qty"`
		Note string `json:"note"`
	}
	type order struct {
		ID    int    `json:"id"`
		Lines []line `json:"lines"`
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		Order   order  `json:"order"`
		Channel string `json:"channel"`
	}{order{1007, []line{{"A-100", 1, v}}}, "web"})
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// multipartBody is a form with a text field (content) and a file (filename, which a browser
// sends with '"', CR and LF percent-encoded).
func multipartBody(content, filename string) []byte {
	fn := strings.NewReplacer(`"`, "%22", "\r", "%0D", "\n", "%0A").Replace(filename)
	var b strings.Builder
	b.WriteString("--" + MultipartBoundary + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nquarterly report\r\n")
	b.WriteString("--" + MultipartBoundary + "\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\n" + content + "\r\n")
	b.WriteString("--" + MultipartBoundary + "\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"" + fn + "\"\r\nContent-Type: text/plain\r\n\r\nhello, world\n\r\n")
	b.WriteString("--" + MultipartBoundary + "--\r\n")
	return []byte(b.String())
}

// placeAll places every payload into each of its positions.
func placeAll(ps []payload) []Item {
	var out []Item
	for _, p := range ps {
		positions := p.positions
		if positions == nil {
			positions = ValuePositions
		}
		held := HeldOut(p.text)
		for _, pos := range positions {
			out = append(out, Item{ID: fmt.Sprintf("%s/%08x@%s", p.class, fnv32(p.text), pos), Set: "payloads", Class: p.class,
				Source: p.source, Position: pos, Key: p.text, HeldOut: held, Req: Place(pos, p.text, p.class == "xml")})
		}
	}
	return out
}

func fnv32(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}
