package sanitize

import "strings"

// mongoOperators are MongoDB query and aggregation operators smuggled into a query through
// keys ("user[$ne]=", {"password": {"$gt": ""}}) or server-side JavaScript ("$where").
var mongoOperators = []string{
	"$ne", "$eq", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$regex", "$where", "$exists",
	"$not", "$or", "$and", "$nor", "$expr", "$text", "$elemmatch", "$function", "$accumulator",
	"$jsonschema", "$mod", "$all", "$size", "$lookup", "$merge", "$out", "$unionwith",
}

// mongoJS are fragments of JavaScript injected into a $where clause or mapReduce function.
var mongoJS = newKeywordSet("'=='", "\"==\"", "this.password", "this.passwd", "this.username", "db.getcollection(",
	"tojson(db", "db.users.find", "'; return ", "';return ", "\"; return ", "\";return ")

// isNoSQL reports a MongoDB operator or injected $where JavaScript in a folded value or name: the operator not glued to an
// identifier on either side ("u[$ne]", "{"$where": …}", "$gt" as a whole JSON key), so prices
// ("$5", "$10 or $20") and shell or template variables ("$name", "${x}") do not match.
func isNoSQL(folded string) bool {
	if strings.IndexByte(folded, '$') < 0 {
		return mongoJS.in(folded)
	}
	if mongoJS.in(folded) {
		return true
	}
	return someIndex(folded, "$", func(i int) bool {
		for _, op := range mongoOperators {
			if strings.HasPrefix(folded[i:], op) && !isIdent(at(folded, i+len(op))) && !isIdent(at(folded, i-1)) {
				return true
			}
		}
		return false
	})
}
