package galaxy

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// resolver picks one candidate per collection: the ones asked for
// directly, then their dependencies, level by level.
type resolver struct {
	in          *Installer
	tmp         string
	apis        map[string]*api
	existing    map[string]string
	constraints map[string][]string
	why         map[string][]string // who asked for each constraint
	sources     map[string][]Server
	out         string // the ansible_collections directory
	chosen      map[string]*candidate
	order       []string
	pending     []*candidate // chosen, dependencies not yet added
}

// add requires fqcn at version (a requirement such as ">=1.0.0"); by
// is the candidate depending on it, nil for a direct request.
func (r *resolver) add(ctx context.Context, fqcn, version string, c *candidate, requested bool, by *candidate) error {
	r.constraints[fqcn] = append(r.constraints[fqcn], version)
	why := "direct request"
	if by != nil {
		why = "dependency of " + by.String()
	}
	r.why[fqcn] = append(r.why[fqcn], why)
	if prev, ok := r.chosen[fqcn]; ok {
		if prev.typ != "galaxy" && prev.typ != "installed" || meetsRequirement(prev.version, version) {
			if !meetsRequirement(prev.version, version) {
				return r.unsatisfiable(fqcn)
			}
			return nil
		}
	}
	if c == nil {
		// A collection installed already that satisfies every
		// requirement is kept, unless it was asked for with --force.
		if v, ok := r.existing[fqcn]; ok && r.meetsAll(fqcn, v) && !(requested && r.in.Force) && !r.in.ForceDeps {
			ns, name, _ := strings.Cut(fqcn, ".")
			c = &candidate{fqcn: fqcn, version: v, typ: "installed"}
			if info, err := readManifest(filepath.Join(r.out, ns, name, "MANIFEST.json")); err == nil {
				c.deps = depsOf(info.get("dependencies"))
			}
		} else {
			var err error
			if c, err = r.galaxyCandidate(ctx, fqcn); err != nil {
				return err
			}
		}
	}
	if _, ok := r.chosen[fqcn]; !ok {
		r.order = append(r.order, fqcn)
	}
	r.chosen[fqcn] = c
	if !r.in.NoDeps {
		r.pending = append(r.pending, c)
	}
	return nil
}

func (r *resolver) addGalaxy(ctx context.Context, req CollectionReq, requested bool) error {
	if req.Source != "" {
		r.sources[req.Name] = r.in.sourceServers(req.Source)
	}
	return r.add(ctx, req.Name, req.Version, nil, requested, nil)
}

func (r *resolver) resolveDeps(ctx context.Context) error {
	for len(r.pending) > 0 {
		c := r.pending[0]
		r.pending = r.pending[1:]
		if r.chosen[c.fqcn] != c {
			continue
		}
		deps := c.deps
		names := make([]string, 0, len(deps))
		for n := range deps {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if err := r.add(ctx, n, deps[n], nil, false, c); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *resolver) meetsAll(fqcn, version string) bool {
	for _, c := range r.constraints[fqcn] {
		if !meetsRequirement(version, c) {
			return false
		}
	}
	return true
}

// galaxyCandidate asks the servers in turn for the newest version of
// fqcn that meets every requirement seen for it.
func (r *resolver) galaxyCandidate(ctx context.Context, fqcn string) (*candidate, error) {
	ns, name, _ := strings.Cut(fqcn, ".")
	servers := r.in.Servers
	if s, ok := r.sources[fqcn]; ok {
		servers = s
	}
	for _, s := range servers {
		a, ok := r.apis[s.URL]
		if !ok {
			var err error
			if a, err = connect(ctx, r.in.client(), s); err != nil {
				r.in.warn("Skipping Galaxy server %s. Got an unexpected error when getting available versions of collection %s: %v", s.URL, fqcn, err)
				continue
			}
			r.apis[s.URL] = a
		}
		versions, err := a.collectionVersions(ctx, ns, name)
		if err != nil {
			return nil, err
		}
		best := ""
		for _, v := range versions {
			pre := isPrerelease(v) && !r.in.AllowPre
			if pre {
				for _, c := range r.constraints[fqcn] {
					pre = pre && !pinsPrerelease(c)
				}
			}
			if pre || !r.meetsAll(fqcn, v) {
				continue
			}
			if best == "" || compareVersions(v, best) > 0 {
				best = v
			}
		}
		if best == "" {
			continue
		}
		info, err := a.collectionVersion(ctx, ns, name, best)
		if err != nil {
			return nil, err
		}
		return &candidate{fqcn: fqcn, version: best, typ: "galaxy", api: a, info: info, deps: info.Metadata.Dependencies}, nil
	}
	return nil, r.unsatisfiable(fqcn)
}

// unsatisfiable is the error for a collection no candidate satisfies,
// with each requirement on it and who made it.
func (r *resolver) unsatisfiable(fqcn string) error {
	var b strings.Builder
	b.WriteString("Failed to resolve the requested dependencies map. Could not satisfy the following requirements:")
	for i, c := range r.constraints[fqcn] {
		fmt.Fprintf(&b, "\n* %s:%s (%s)", fqcn, c, r.why[fqcn][i])
	}
	return errors.New(b.String())
}

// sourceServers are the servers a requirement's source: names, a URL or
// a configured server's name.
func (in *Installer) sourceServers(source string) []Server {
	for _, s := range in.Servers {
		if s.Name == source {
			return []Server{s}
		}
	}
	return []Server{{Name: "explicit_requirement_" + source, URL: source}}
}
