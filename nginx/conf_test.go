package nginx

import (
	"errors"
	"fmt"
	"strings"
)

// directive is one nginx directive with its arguments and, for blocks, its children.
type directive struct {
	name    string
	args    []string
	block   []directive
	isBlock bool
}

// parseConf parses nginx configuration syntax: words, single- and double-quoted strings (with
// nginx's escapes \\, \', \", \n, \t, \r), ';', blocks and comments. It is test-only: no nginx
// parser module is available from the Go module proxy, and this is all the checks need.
func parseConf(src string) ([]directive, error) {
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	ds, rest, err := parseBlock(toks, false)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, errors.New("unexpected '}' at top level")
	}
	return ds, nil
}

type token struct {
	text   string
	quoted bool
}

func tokenize(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == ';' || c == '{' || c == '}':
			toks = append(toks, token{text: string(c)})
			i++
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != c; j++ {
				if src[j] == '\\' && j+1 < len(src) {
					j++
					switch src[j] {
					case '\\', '\'', '"':
						b.WriteByte(src[j])
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					default:
						b.WriteByte('\\')
						b.WriteByte(src[j])
					}
					continue
				}
				b.WriteByte(src[j])
			}
			if j >= len(src) {
				return nil, fmt.Errorf("unterminated string at byte %d", i)
			}
			toks = append(toks, token{text: b.String(), quoted: true})
			i = j + 1
		default:
			j := i
			for j < len(src) && !strings.ContainsRune(" \t\r\n;{}#", rune(src[j])) {
				j++
			}
			toks = append(toks, token{text: src[i:j]})
			i = j
		}
	}
	return toks, nil
}

func parseBlock(toks []token, nested bool) ([]directive, []token, error) {
	var ds []directive
	for len(toks) > 0 {
		t := toks[0]
		if !t.quoted && t.text == "}" {
			if !nested {
				return ds, toks, nil
			}
			return ds, toks[1:], nil
		}
		if !t.quoted && (t.text == ";" || t.text == "{") {
			return nil, nil, fmt.Errorf("unexpected %q", t.text)
		}
		d := directive{name: t.text}
		toks = toks[1:]
		for len(toks) > 0 && (toks[0].quoted || !strings.Contains(";{}", toks[0].text)) {
			d.args = append(d.args, toks[0].text)
			toks = toks[1:]
		}
		if len(toks) == 0 {
			return nil, nil, fmt.Errorf("directive %s: missing ';'", d.name)
		}
		switch toks[0].text {
		case ";":
			toks = toks[1:]
		case "{":
			var err error
			d.isBlock = true
			if d.block, toks, err = parseBlock(toks[1:], true); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", d.name, err)
			}
		default:
			return nil, nil, fmt.Errorf("directive %s: missing ';'", d.name)
		}
		ds = append(ds, d)
	}
	if nested {
		return nil, nil, errors.New("missing '}'")
	}
	return ds, nil, nil
}

// find returns the directives named name among ds, recursively.
func find(ds []directive, name string) []directive {
	var out []directive
	for _, d := range ds {
		if d.name == name {
			out = append(out, d)
		}
		out = append(out, find(d.block, name)...)
	}
	return out
}

// walk returns every directive, blocks' children included.
func walk(ds []directive) []directive {
	var out []directive
	for _, d := range ds {
		out = append(out, d)
		out = append(out, walk(d.block)...)
	}
	return out
}
