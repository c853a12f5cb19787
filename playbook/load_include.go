package playbook

import (
	"fmt"

	"github.com/fjord-run/fjord/value"
	"gopkg.in/yaml.v3"
)

// includeTasks loads the tasks file an include_tasks task t names at run
// time, under a new implicit block carrying the include's params and its
// apply: keywords, in play p. It returns the file's path and the block;
// a file with no YAML document in it gives no block (ansible neither
// reports nor counts it as included).
func (l *Loader) IncludeTasks(t *Task, name string, params, apply *value.Map, p *Play) (string, *Block, error) {
	path, err := l.resolveTaskFile(t.Pos, t.Role, name)
	if err != nil {
		return "", nil, err
	}
	root, err := l.readYAML(path)
	if err != nil || root == nil || root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return path, nil, err
	}
	blk := &Block{Pos: t.Pos, Parent: t.Parent, Role: t.Role, Implicit: true, IncludeParams: params}
	if apply != nil {
		kw, err := applyKeywords(t.Pos, apply)
		if err != nil {
			return "", nil, err
		}
		blk.Kw = kw
	}
	nodes, err := l.parseTaskList(path, root, blk, t.Role, t.Handler)
	if err != nil {
		return "", nil, err
	}
	blk.Block = nodes
	SetPlay(p, nodes)
	return path, blk, nil
}

// includeRole instantiates the role an include_role task t names at run
// time (args: name and the role's options; apply is the caller's), with
// params as its include params, and returns it with its tasks under a new
// implicit block; its handlers are on the instance.
func (l *Loader) IncludeRole(t *Task, args *value.Map, baseDir string, params *value.Map, p *Play) (*RoleInstance, *Block, error) {
	ref := &roleRef{pos: t.Pos, params: value.NewMap(0)}
	args.Range(func(k string, v any) bool {
		if k == "name" {
			ref.name = value.String(v)
		} else if k != "apply" {
			ref.params.Set("\x00"+k, v)
		}
		return true
	})
	if ref.name == "" {
		return nil, nil, fmt.Errorf("%s: include_role needs a role name", t.Pos)
	}
	ri, err := l.instantiate(ref, baseDir, t.Role)
	if err != nil {
		return nil, nil, err
	}
	ri.Included = true
	params.Range(func(k string, v any) bool { ri.Params.Set(k, v); return true })
	var nodes, handlers []Node
	if p.roleRuns == nil {
		p.roleRuns = newRoleRuns()
	}
	p.roleRuns.mu.Lock()
	l.appendRoleRun(ri, &nodes, &handlers, p.roleRuns)
	p.roleRuns.mu.Unlock()
	blk := &Block{Pos: t.Pos, Parent: t.Parent, Role: t.Role, Implicit: true, Block: nodes}
	if apply, ok := args.Get("apply"); ok {
		am, _ := apply.(*value.Map)
		if am == nil {
			return nil, nil, errAt(t.Pos, "Expected a dict for apply but got %s", value.TypeName(apply))
		}
		if blk.Kw, err = applyKeywords(t.Pos, am); err != nil {
			return nil, nil, err
		}
	}
	for _, n := range nodes {
		setParent(n, blk)
	}
	SetPlay(p, nodes)
	ri.Handlers = handlers
	return ri, blk, nil
}

// applyKeywords are an include's apply: the keywords of the block its
// tasks run in, as ansible loads apply as a Block.
func applyKeywords(pos Pos, apply *value.Map) (Keywords, error) {
	var kw Keywords
	var err error
	apply.Range(func(k string, v any) bool {
		def, ok := keywordAt(k, onBlock)
		if !ok || def.typ == kwSections {
			err = errAt(pos, "'%s' is not a valid attribute for a Block", k)
			return false
		}
		if err = def.checkValue(v); err != nil {
			err = &Error{Pos: pos, Err: err}
			return false
		}
		switch k {
		case "when":
			kw.When = condsAt(pos, v)
		case "vars":
			kw.Vars, _ = v.(*value.Map)
		default:
			if def.set != nil {
				def.set(&kw, v)
			}
		}
		return true
	})
	return kw, err
}
