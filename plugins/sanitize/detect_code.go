package sanitize

// codeMarkers are Node.js, Ruby and Perl code injection and JavaScript prototype pollution
// (CRS 934 "generic"): node-serialize's function marker, reaching child_process or the module
// loader, walking constructors to Function, Ruby process and IO calls, Perl's "@{[ … ]}"
// interpolation, and writes through __proto__ or constructor.prototype. PHP and Java have rules
// of their own (php_injection, java_injection).
var codeMarkers = newKeywordSet(
	"_$$nd_func$$_", "child_process", "process.mainmodule", "process.binding(", "require.main",
	"this.constructor.constructor", ".constructor.constructor(", "module.exports=",
	"module.exports =", "global.process", "require('fs')", "require(\"fs\")", "require('net')",
	"require('vm')", "vm.runinnewcontext", "vm.runinthiscontext", "__proto__", "constructor.prototype",
	"constructor[prototype]", "[constructor][prototype]", "process.spawn(", "kernel.exec(",
	"kernel.system(", "io.popen(", "open3.", "pty.spawn", "@{[", "$$[", "object.instance_eval",
	"instance_eval(", "class_eval(", "send(:system", ".send(:eval", "process.env", "process[",
	"require[", "process.kill(", "process.exit(",
)

// isCode reports Node.js, Ruby or Perl code injection or prototype pollution in a folded value.
func isCode(folded string) bool { return codeMarkers.in(folded) }
