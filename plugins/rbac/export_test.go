package rbac

// Exported for the external test package (benchmarks).
var (
	PolicySpec  = policySpec
	BenchClaims = benchClaims
)
