package sanitize

import "strings"

// backupExtensions are file extensions of backups, editor leftovers and database files, which a
// web root holds by accident and never serves on purpose (CRS 920440, 920500): a path segment
// ending in one is path_traversal, like the sensitive files isTraversal knows.
var backupExtensions = setOf(
	"bak", "backup", "bkp", "old", "orig", "save", "swp", "swo", "sql", "db", "sqlite", "sqlite3",
	"rdb", "mdb", "dbf", "dump",
)

// isBackupFile reports a path segment (folded) that names such a file: "dump.rdb",
// "index.php.bak", "db.sql", or an editor backup "index.php~" ("~user" directories are not).
func isBackupFile(segment string) bool {
	dot := strings.LastIndexByte(segment, '.')
	if dot <= 0 {
		return false
	}
	if strings.HasSuffix(segment, "~") {
		return true
	}
	return backupExtensions[segment[dot+1:]]
}
