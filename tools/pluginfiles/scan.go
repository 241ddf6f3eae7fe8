package pluginfiles

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

var envName = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// Scan walks a plugin spec and collects the callout clusters it names (string values of
// "cluster" members) and the environment variables it reads (string values of members whose name
// ends in "env" or "Env" and that look like variable names), each sorted and without duplicates.
func Scan(spec json.RawMessage) (clusters, envs []string) {
	var v any
	if json.Unmarshal(spec, &v) != nil {
		return nil, nil
	}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, sub := range t {
				walk(k, sub)
			}
		case []any:
			for _, sub := range t {
				walk(key, sub)
			}
		case string:
			switch {
			case key == "cluster":
				clusters = append(clusters, t)
			case (strings.HasSuffix(key, "Env") || strings.HasSuffix(key, "env")) && envName.MatchString(t):
				envs = append(envs, t)
			}
		}
	}
	walk("", v)
	slices.Sort(clusters)
	slices.Sort(envs)
	return slices.Compact(clusters), slices.Compact(envs)
}
