// Package config is wasmward's strict JSON config handling, shared by every plugin, the glue and
// the CLI: the versioned envelope every plugin config is wrapped in, a decoder that rejects
// unknown fields, case-mismatched names, duplicate members and wrong types with the JSON path of
// the offending field, and an error type that names that path.
//
// A plugin config is
//
//	{
//	  "apiVersion": "wasmward/v1",   // required
//	  "plugin": "rbac",              // required, must name the plugin loading it
//	  "shadow": false,               // default false: decide and record, never block
//	  "failureMode": "closed",       // "closed" (default): an internal error denies with 500;
//	                                 // "open": it lets the request through. Never implicit.
//	  "audit": {"allows": false},    // default false: audit lines for denies only
//	  "paths": {                     // how policies normalize paths (package pathnorm)
//	    "ambiguous": "reject",       // "reject" (default): "%2F" and the like deny with 400;
//	                                 // "normalize": they are decoded, then normalized
//	    "caseInsensitive": false     // true: the upstream folds case, so paths are lower-cased
//	  },
//	  "spec": { ... }                // the plugin's own settings, parsed by the plugin
//	}
package config
