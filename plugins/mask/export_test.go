package mask

// Exported for the external test package's benchmarks.
var (
	BenchBody = benchBody
	BenchSpec = benchSpec
)
