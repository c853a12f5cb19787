package runner

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/fjord-run/fjord/playbook"
	"github.com/fjord-run/fjord/value"
)

// loadVarsFiles resolves the play's vars_files for each host of the batch
// (names may use host variables; a list entry means "first that exists").
func (r *run) loadVarsFiles(pr *playRun) error {
	p := pr.play
	if len(p.VarsFiles) == 0 {
		return nil
	}
	l := pr.loader(r)
	for _, h := range pr.batch {
		if _, ok := pr.varsFiles.Load(h.name); ok {
			continue
		}
		merged := value.NewMap(8)
		sc := &scope{r: r, layers: []*value.Map{h.invVars, p.Kw.Vars, r.extraVars, pr.magicFor(r, h)}}
		for _, entry := range p.VarsFiles {
			cands := value.Listify(entry)
			found := false
			var tried []string
			for _, c := range cands {
				name, err := sc.renderString(c)
				if err != nil {
					return &playbook.Error{Pos: p.Pos, Host: h.name, Err: err}
				}
				path := name
				if !filepath.IsAbs(path) {
					path = filepath.Join(p.Dir, name)
				}
				tried = append(tried, path)
				if _, err := os.Stat(path); err != nil {
					continue
				}
				pr.mu.Lock()
				m, err := l.LoadVarsFile(path)
				pr.mu.Unlock()
				if err != nil {
					return err
				}
				m.Range(func(k string, v any) bool { merged.Set(k, v); return true })
				found = true
				break
			}
			if !found {
				return &playbook.Error{Pos: p.Pos, Err: fmt.Errorf("vars file %s was not found", tried[0])}
			}
		}
		pr.varsFiles.Store(h.name, merged)
	}
	return nil
}

func (r *run) varsFilesFor(pr *playRun, h *hostState) *value.Map {
	if v, ok := pr.varsFiles.Load(h.name); ok {
		return v.(*value.Map)
	}
	return nil
}
