package templates

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/fjord-run/fjord/value"
)

// ansible's mathstuff filters: log, pow, root, unique, human_readable,
// human_to_bytes, rekey_on_member, permutations and combinations.

func registerMathFilters() {
	for k, v := range map[string]filterFunc{
		"log":             fLog,
		"pow":             fPow,
		"root":            fRoot,
		"unique":          fUniqueAnsible,
		"human_readable":  fHumanReadable,
		"human_to_bytes":  fHumanToBytes,
		"rekey_on_member": fRekeyOnMember,
		"permutations":    fPermutations,
		"combinations":    fCombinations,
	} {
		filters[k] = v
	}
}

// realNumber is Python's conversion of an argument to a C double, the
// check math.log and math.pow make.
func realNumber(v any) (float64, error) {
	switch x := plain(v).(type) {
	case int:
		return float64(x), nil
	case float64:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("must be real number, not %s", typeName(v))
}

func fLog(s *state, in any, args []any, kw map[string]any) (any, error) {
	x, err := realNumber(in)
	if err != nil {
		return nil, fmt.Errorf("log() can only be used on numbers: %v", err)
	}
	base := arg(args, kw, 0, "base", math.E)
	b, err := realNumber(base)
	if err != nil {
		return nil, fmt.Errorf("log() can only be used on numbers: %v", err)
	}
	if x <= 0 || b <= 0 {
		return nil, fmt.Errorf("math domain error")
	}
	if b == 10 {
		return math.Log10(x), nil
	}
	if b == 1 {
		return nil, fmt.Errorf("float division by zero")
	}
	return math.Log(x) / math.Log(b), nil
}

func fPow(s *state, in any, args []any, kw map[string]any) (any, error) {
	x, err := realNumber(in)
	if err == nil {
		var y float64
		y, err = realNumber(arg(args, kw, 0, "y", nil))
		if err == nil {
			return pyPow(x, y)
		}
	}
	return nil, fmt.Errorf("pow() can only be used on numbers: %v", err)
}

// pyPow is math.pow, which refuses what has no real result.
func pyPow(x, y float64) (float64, error) {
	if x < 0 && y != math.Trunc(y) || x == 0 && y < 0 {
		return 0, fmt.Errorf("math domain error")
	}
	r := math.Pow(x, y)
	if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
		return 0, fmt.Errorf("math range error")
	}
	return r, nil
}

func fRoot(s *state, in any, args []any, kw map[string]any) (any, error) {
	fail := func(err error) (any, error) {
		return nil, fmt.Errorf("root() can only be used on numbers: %v", err)
	}
	x, err := realNumber(in)
	if err != nil {
		return fail(err)
	}
	base := arg(args, kw, 0, "base", 2)
	if equal(base, 2) {
		if x < 0 {
			return fail(fmt.Errorf("math domain error"))
		}
		return math.Sqrt(x), nil
	}
	b, err := pyFloat(base)
	if err != nil {
		return fail(err)
	}
	if b == 0 {
		return nil, fmt.Errorf("float division by zero")
	}
	r, err := pyPow(x, 1.0/b)
	if err != nil {
		return fail(err)
	}
	return exactRoot(x, b, r), nil
}

// exactRoot corrects Go's pow, which can miss by an ulp where C's (which
// Python calls) is exact: a neighbour of r whose b-th power is x exactly
// is the root.
func exactRoot(x, b, r float64) float64 {
	n := int(b)
	if float64(n) != b || n < 2 || n > 64 || r <= 0 || math.IsInf(r, 0) {
		return r
	}
	want := new(big.Float).SetFloat64(x)
	for _, c := range []float64{r, math.Nextafter(r, math.Inf(1)), math.Nextafter(r, 0)} {
		p := new(big.Float).SetPrec(0).SetFloat64(c)
		acc := new(big.Float).SetPrec(uint(53 * n)).SetFloat64(1)
		for i := 0; i < n; i++ {
			acc.Mul(acc, p)
		}
		if acc.Cmp(want) == 0 {
			return c
		}
	}
	return r
}

// pyFloat is Python's float(v).
func pyFloat(v any) (float64, error) {
	if str, ok := asString(v); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(strings.ReplaceAll(str, "_", "")), 64)
		if err != nil {
			return 0, fmt.Errorf("could not convert string to float: %s", value.Repr(str))
		}
		return f, nil
	}
	f, err := realNumber(v)
	if err != nil {
		return 0, fmt.Errorf("float() argument must be a string or a real number, not '%s'", typeName(v))
	}
	return f, nil
}

var sizeRanges = []struct {
	suffix string
	limit  float64
}{{"Y", 1 << 80}, {"Z", 1 << 70}, {"E", 1 << 60}, {"P", 1 << 50}, {"T", 1 << 40},
	{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}}

// fHumanReadable is ansible's bytes_to_human.
func fHumanReadable(s *state, in any, args []any, kw map[string]any) (any, error) {
	base := "Bytes"
	if argBool(args, kw, 0, "isbits", false) {
		base = "bits"
	}
	unit := arg(args, kw, 1, "unit", nil)
	unitStr, _ := asString(unit)
	size, numErr := realNumber(in)
	suffix, limit := "", 0.0
	for _, r := range sizeRanges {
		suffix, limit = r.suffix, r.limit
		if unit == nil {
			if numErr != nil {
				return nil, fmt.Errorf("human_readable() failed on bad input: '>=' not supported between instances of '%s' and 'int'", typeName(in))
			}
			if size >= limit {
				break
			}
		} else if strings.ToUpper(unitStr) == suffix {
			break
		}
	}
	if numErr != nil {
		return nil, fmt.Errorf("human_readable() failed on bad input: unsupported operand type(s) for /: '%s' and 'int'", typeName(in))
	}
	if limit != 1 {
		suffix += base[:1]
	} else {
		suffix = base
	}
	return fmt.Sprintf("%.2f %s", size/limit, suffix), nil
}

var humanSize = regexp.MustCompile(`^\s*(\d*\.?\d*)\s*([A-Za-z]+)?`)

// fHumanToBytes is ansible's human_to_bytes; every failure but a type
// error reads "can't interpret".
func fHumanToBytes(s *state, in any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(in)
	if err != nil {
		return nil, err
	}
	bad := filterError("human_to_bytes() can't interpret following string: %s", str)
	m := humanSize.FindStringSubmatch(str)
	if m == nil {
		return nil, bad
	}
	num, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return nil, bad
	}
	unit := m[2]
	if unit == "" {
		if d := arg(args, kw, 0, "default_unit", nil); d != nil {
			unit, _ = toStr(d)
		}
	}
	if unit == "" {
		return int(math.RoundToEven(num)), nil
	}
	key := strings.ToUpper(unit[:1])
	limit := 0.0
	for _, r := range sizeRanges {
		if r.suffix == key {
			limit = r.limit
		}
	}
	if limit == 0 {
		return nil, bad
	}
	class, className := "B", "byte"
	if argBool(args, kw, 1, "isbits", false) {
		class, className = "b", "bit"
	}
	if len(unit) > 1 && !strings.Contains(strings.ToLower(unit), className) && unit[1:2] != class {
		return nil, bad
	}
	return int(math.RoundToEven(num * limit)), nil
}

// fRekeyOnMember is ansible's rekey_on_member: a dict of the list's (or
// dict's values') dicts, keyed by their member key.
func fRekeyOnMember(s *state, in any, args []any, kw map[string]any) (any, error) {
	dup := argStr(args, kw, 1, "duplicates", "error")
	if dup != "error" && dup != "overwrite" {
		return nil, filterError("duplicates parameter to rekey_on_member has unknown value: %s", dup)
	}
	key := arg(args, kw, 0, "key", nil)
	var items []any
	switch v := plain(in).(type) {
	case value.Getter:
		for _, k := range v.Keys() {
			x, _ := v.Get(k)
			items = append(items, x)
		}
	case []any:
		items = v
	default:
		return nil, fmt.Errorf("Type is not a valid list, set, or dict")
	}
	out := value.NewMap(len(items))
	for _, it := range items {
		m, ok := plain(it).(value.Getter)
		if !ok {
			return nil, fmt.Errorf("List item is not a valid dict")
		}
		k, ok := mapKey(key)
		if !ok {
			return nil, fmt.Errorf("unhashable type: '%s'", typeName(key))
		}
		elem, found := m.Get(k)
		if !found {
			return nil, filterError("Key %s was not found", value.String(key))
		}
		ek, ok := mapKey(elem)
		if !ok {
			return nil, fmt.Errorf("unhashable type: '%s'", typeName(elem))
		}
		if _, exists := out.Get(ek); exists && dup == "error" {
			return nil, filterError("Key %s is not unique, cannot correctly turn into dict", value.String(elem))
		}
		out.Set(ek, it)
	}
	return out, nil
}

// fPermutations is itertools.permutations, as a list of lists.
func fPermutations(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	r := len(items)
	if v := arg(args, kw, 0, "r", nil); v != nil {
		if r, err = combinatoricR(v); err != nil {
			return nil, err
		}
	}
	out := []any{}
	if r > len(items) {
		return out, nil
	}
	if n := countArrangements(len(items), r, false); n > maxCombinatoric {
		return nil, fmt.Errorf("permutations: %d results is more than fjord builds (%d)", n, maxCombinatoric)
	}
	used := make([]bool, len(items))
	cur := make([]any, 0, r)
	var walk func()
	walk = func() {
		if len(cur) == r {
			out = append(out, append([]any{}, cur...))
			return
		}
		for i, it := range items {
			if !used[i] {
				used[i] = true
				cur = append(cur, it)
				walk()
				cur = cur[:len(cur)-1]
				used[i] = false
			}
		}
	}
	walk()
	return out, nil
}

// fCombinations is itertools.combinations, as a list of lists.
func fCombinations(s *state, in any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(in)
	if err != nil {
		return nil, err
	}
	v := arg(args, kw, 0, "r", nil)
	if v == nil {
		return nil, fmt.Errorf("combinations() missing required argument 'r' (pos 2)")
	}
	r, err := combinatoricR(v)
	if err != nil {
		return nil, err
	}
	if n := countArrangements(len(items), r, true); n > maxCombinatoric {
		return nil, fmt.Errorf("combinations: %d results is more than fjord builds (%d)", n, maxCombinatoric)
	}
	out := []any{}
	cur := make([]any, 0, r)
	var walk func(from int)
	walk = func(from int) {
		if len(cur) == r {
			out = append(out, append([]any{}, cur...))
			return
		}
		for i := from; i < len(items); i++ {
			cur = append(cur, items[i])
			walk(i + 1)
			cur = cur[:len(cur)-1]
		}
	}
	walk(0)
	return out, nil
}

// maxCombinatoric bounds what permutations and combinations build: Python
// yields them lazily, fjord makes the whole list.
const maxCombinatoric = 1 << 20

// countArrangements is n!/(n-r)! (or that over r! for combinations),
// saturating past maxCombinatoric.
func countArrangements(n, r int, choose bool) int {
	if r > n {
		return 0
	}
	total := 1
	for i := 0; i < r; i++ {
		total *= n - i
		if choose {
			total /= i + 1
		}
		if total > maxCombinatoric*64 {
			return maxCombinatoric + 1
		}
	}
	return total
}

func combinatoricR(v any) (int, error) {
	n, ok := plain(v).(int)
	if !ok {
		return 0, fmt.Errorf("Expected int as r")
	}
	if n < 0 {
		return 0, fmt.Errorf("r must be non-negative")
	}
	return n, nil
}

// fUniqueAnsible is ansible's unique: Jinja2's (case-insensitive unless
// told, on an attribute when given), falling back to Python equality when
// an item is unhashable, unless case_sensitive=False or an attribute was
// asked for, which the fallback cannot honour.
func fUniqueAnsible(s *state, in any, args []any, kw map[string]any) (any, error) {
	csArg := arg(args, kw, 0, "case_sensitive", nil)
	attrArg := arg(args, kw, 1, "attribute", nil)
	strict := csArg == false
	if t, _ := truth(attrArg); t {
		strict = true
	}
	fail := func(err error) (any, error) {
		if strict {
			return nil, filterError("Jinja2's unique filter failed and we cannot fall back to Ansible's version as it does not support the parameters supplied. %v", err)
		}
		return nil, err
	}
	items, err := iterate(in)
	if err != nil {
		return fail(err)
	}
	cs, _ := truth(csArg)
	attr, _ := asString(attrArg)
	out := []any{}
	var seen []any
	for _, it := range items {
		k := sortKey(it, attr, cs)
		switch x := plain(k).(type) {
		case *undefined:
			if strict {
				return fail(x.err)
			}
			return uniq(items), nil
		case []any, value.Getter:
			if strict {
				return fail(fmt.Errorf("unhashable type: '%s'", typeName(k)))
			}
			return uniq(items), nil
		}
		if found, _ := contains(seen, k); !found {
			seen = append(seen, k)
			out = append(out, it)
		}
	}
	return out, nil
}
