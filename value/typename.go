package value

import "fmt"

// TypeName is Python's type(v).__name__ for a value as a module or a
// plug-in sees it: str (unsafe text too), int, float, bool, list, dict,
// NoneType. Templates name their own objects (undefined, hostvars,
// macros) before asking here.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int:
		return "int"
	case float64:
		return "float"
	case string, Unsafe:
		return "str"
	case []any:
		return "list"
	case *Map, Getter:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}
