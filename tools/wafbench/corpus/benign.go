package corpus

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Debian word lists read for the benign sets (packages wamerican, wfrench, wngerman, wspanish,
// witalian; sqlmap's list of real browser user agents; wfuzz's list of names).
const (
	DictDir       = "/usr/share/dict"
	UserAgentFile = "/usr/share/sqlmap/data/txt/user-agents.txt"
	NamesFile     = "/usr/share/wfuzz/wordlist/others/names.txt"
)

// BenignSets names the benign sets, in table order.
var BenignSets = []string{"words-en", "words-accented", "latin1", "user-agents", "api", "long"}

// Sizes of the benign sets (sampled stably from the word lists).
const (
	wordsEN        = 3000
	wordsAccented  = 800 // per language list
	latin1Values   = 1500
	userAgents     = 800
	apiRequests    = 1500
	longValues     = 240
	sentenceWords  = 12
	longValueBytes = 3000
)

// benign builds every benign set.
func (d *debian) benign() []Item {
	var out []Item
	en := d.lines(filepath.Join(DictDir, "american-english"))
	for _, w := range sample(en, wordsEN) {
		out = append(out, benignItem("words-en", "wamerican", spread(w), w))
	}
	var accented []string
	seen := map[string]bool{}
	for _, lang := range []string{"french", "ngerman", "spanish", "italian"} {
		var withAccent []string
		for _, w := range d.lines(filepath.Join(DictDir, lang)) {
			if !isASCII(w) && utf8.ValidString(w) && !seen[w] {
				seen[w] = true
				withAccent = append(withAccent, w)
			}
		}
		picked := sample(withAccent, wordsAccented)
		accented = append(accented, picked...)
		for _, w := range picked {
			out = append(out, benignItem("words-accented", "w"+lang, spread(w), w))
		}
	}
	// Latin-1: the accented words (and phrases of them) in ISO-8859-1, which URL-like positions
	// carry as %E9-style escapes and multipart as raw bytes.
	latin1Pos := []string{PosQuery, PosForm, PosCookie, PosPath, PosReferer, PosMultipart}
	for i, w := range sample(accented, latin1Values) {
		if i%3 == 0 && i+1 < len(accented) {
			w = w + " " + accented[(i*7+1)%len(accented)]
		}
		l1, err := charmap.ISO8859_1.NewEncoder().String(w)
		if err != nil {
			continue // a character outside Latin-1 (œ)
		}
		out = append(out, benignItem("latin1", "accented words as ISO-8859-1", latin1Pos[int(sampleHash(l1)%uint64(len(latin1Pos)))], l1))
	}
	for _, ua := range sample(d.lines(UserAgentFile), userAgents) {
		if !strings.HasPrefix(ua, "#") {
			out = append(out, benignItem("user-agents", "sqlmap:txt/user-agents.txt", PosUserAgent, ua))
		}
	}
	// Prose is made of the list's words without the possessives ("aardvark's", a quarter of the
	// list, far more apostrophes than real text has); contractions come in at a natural rate.
	g := gen{words: slices.DeleteFunc(slices.Clone(en), func(w string) bool { return strings.Contains(w, "'") }), names: d.lines(NamesFile)}
	if len(g.words) > 0 && len(g.names) > 0 {
		for i := range apiRequests {
			out = append(out, g.api(i))
		}
		longPos := []string{PosJSON, PosForm, PosMultipart, PosXML, PosQuery, PosHeader}
		for i := range longValues {
			pos := longPos[i%len(longPos)]
			size := longValueBytes * (1 + i%3)
			if pos == PosQuery || pos == PosHeader {
				size = 1500 // under nginx's 8 KiB request-line and header buffers, URL-encoded
			}
			v := g.text(i*31+5, size)
			out = append(out, benignItem("long", "wamerican sentences", pos, v))
		}
	}
	return out
}

func benignItem(set, source, pos, value string) Item {
	return Item{ID: fmt.Sprintf("%s/%08x@%s", set, fnv32(value), pos), Set: set, Source: source, Position: pos,
		Key: value, HeldOut: HeldOut(value), Req: Place(pos, value, false)}
}

// wordPositions are where benign words go: every value position but the User-Agent (a word is
// no user agent; real ones are the user-agents set).
var wordPositions = slices.DeleteFunc(slices.Clone(ValuePositions), func(p string) bool { return p == PosUserAgent })

// spread picks the position of a benign word, every one of wordPositions in proportion.
func spread(w string) string { return wordPositions[int(sampleHash(w)%uint64(len(wordPositions)))] }

// sample returns n items of list chosen stably (the lowest sampleHash), in list order.
func sample(list []string, n int) []string {
	if len(list) <= n {
		return list
	}
	idx := make([]int, len(list))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmpU64(sampleHash(list[a]), sampleHash(list[b])) })
	idx = idx[:n]
	slices.Sort(idx)
	out := make([]string, n)
	for i, j := range idx {
		out[i] = list[j]
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// gen generates real-looking API traffic from word and name lists, deterministically from an
// index.
type gen struct{ words, names []string }

func (g gen) word(i int) string { return g.words[(i*7919+13)%len(g.words)] }
func (g gen) name(i int) string {
	return g.names[(i*104729+7)%len(g.names)] + " " + g.names[(i*1299709+3)%len(g.names)]
}

// sentence is a line of prose: words, with punctuation people type.
func (g gen) sentence(i int) string {
	var b strings.Builder
	n := 5 + i%sentenceWords
	for k := range n {
		w := g.word(i*31 + k)
		if k == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
		switch (i + k) % 17 {
		case 3:
			b.WriteString(",")
		case 7:
			b.WriteString(" &")
		case 11:
			b.WriteString(" -")
		case 13:
			b.WriteString(fmt.Sprintf(" (%d)", (i+k)%97))
		case 15:
			b.WriteString([]string{" it's", " don't", " I'm", " we're"}[(i+k)%4])
		}
		if k < n-1 {
			b.WriteString(" ")
		}
	}
	b.WriteString([]string{".", "!", "?", "...", ":)"}[i%5])
	return b.String()
}

// text is about size bytes of sentences.
func (g gen) text(i, size int) string {
	var b strings.Builder
	for k := 0; b.Len() < size; k++ {
		if k > 0 {
			b.WriteString(" ")
		}
		b.WriteString(g.sentence(i + k))
	}
	return b.String()
}

// api is the i-th generated API request (JSON, form, multipart, GET with query and cookies).
func (g gen) api(i int) Item {
	name := g.name(i)
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"
	r := Request{Method: "GET", Headers: [][2]string{{"Host", DefaultHost}, {"User-Agent", BrowserUA}, {"Accept", "application/json"}}}
	ct := ""
	switch i % 7 {
	case 0:
		r.Target = fmt.Sprintf("/api/products?category=%s&sort=-price&page=%d&q=%s", escape(g.word(i), ""), 1+i%9, escape(g.word(i+1)+" "+g.word(i+2), ""))
	case 1:
		r.Method, ct, r.Target = "POST", "application/json", "/api/v1/orders"
		r.Body = []byte(fmt.Sprintf(`{"customer":{"name":%s,"email":%s},"items":[{"sku":"SKU-%04d","qty":%d,"price":%d.%02d}],"note":%s,"gift":%t}`,
			jstr(name), jstr(email), i%9973, 1+i%4, 5+i%95, i%100, jstr(g.sentence(i)), i%2 == 0))
	case 2:
		r.Method, ct, r.Target = "POST", "application/json", fmt.Sprintf("/api/posts/%d/comments", 100+i%900)
		r.Body = []byte(fmt.Sprintf(`{"author":%s,"body":%s,"tags":[%s,%s],"replyTo":null}`, jstr(name), jstr(g.sentence(i)+" "+g.sentence(i+1)), jstr(g.word(i+3)), jstr(g.word(i+4))))
	case 3:
		r.Method, ct, r.Target = "POST", "application/x-www-form-urlencoded", "/account/profile"
		r.Body = []byte("name=" + escape(name, "") + "&email=" + escape(email, "") + "&city=" + escape(g.word(i+5), "") + "&bio=" + escape(g.sentence(i), "") + "&newsletter=on")
	case 4:
		r.Method, ct, r.Target = "POST", "multipart/form-data; boundary="+MultipartBoundary, "/api/upload"
		r.Body = multipartBody(g.sentence(i), fmt.Sprintf("%s_%s (%d).pdf", g.word(i+6), g.word(i+7), i%10))
	case 5:
		r.Target = fmt.Sprintf("/api/v2/users/%d/orders?from=2024-0%d-01&to=2024-0%d-28&status=shipped", i%5000, 1+i%8, 2+i%8)
		r.Headers = append(r.Headers, [2]string{"Cookie", fmt.Sprintf("session=%016x; theme=dark; lang=en-US; cart=%d", sampleHash(name), i%20)},
			[2]string{"Referer", "https://www.example.com/account/orders?tab=recent"})
	default:
		r.Method, ct, r.Target = "PUT", "application/json", fmt.Sprintf("/api/v1/users/%d/settings", i%5000)
		r.Body = []byte(fmt.Sprintf(`{"timezone":"Europe/Paris","notifications":{"email":true,"sms":false},"language":"en-GB","signature":%s,"displayName":%s}`,
			jstr(g.sentence(i)), jstr(name)))
	}
	if ct != "" {
		r.Headers = append(r.Headers, [2]string{"Content-Type", ct})
	}
	key := r.Method + " " + r.Target + "\n" + string(r.Body)
	return Item{ID: fmt.Sprintf("api/%08x", fnv32(key)), Set: "api", Source: "generated from wamerican and wfuzz names", Position: "api",
		Key: key, HeldOut: HeldOut(key), Req: r}
}

// jstr is s as a JSON string (no HTML escaping, as most clients send it).
func jstr(s string) string {
	b, _ := json.Marshal(s)
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(b))
}
