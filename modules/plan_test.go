package modules

import (
	"context"
	"testing"
)

// fakePlanner plans a fixed change and counts its applies.
type fakePlanner struct {
	changed bool
	applied int
}

func (f *fakePlanner) Run(ctx context.Context, env *Env) (*Result, error) {
	return Execute(ctx, env, f)
}

func (f *fakePlanner) Plan(ctx context.Context, env *Env) (*Plan, error) {
	r := (&Result{}).Set("k", "v")
	return &Plan{Changed: f.changed, Diff: []Diff{{Before: "a\n", After: "b\n"}}, Result: r}, nil
}

func (f *fakePlanner) Apply(ctx context.Context, env *Env, p *Plan) (*Result, error) {
	f.applied++
	return p.Result.Set("applied", true), nil
}

var _ Planner = (*fakePlanner)(nil)

func TestExecute(t *testing.T) {
	for _, tc := range []struct {
		name               string
		changed            bool
		check, diff        bool
		applied, wantDiffs int
	}{
		{"no change", false, false, true, 0, 0},
		{"change", true, false, false, 1, 0},
		{"change diff", true, false, true, 1, 1},
		{"check", true, true, false, 0, 0},
		{"check diff", true, true, true, 0, 1},
		{"check no change", false, true, true, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakePlanner{changed: tc.changed}
			r, err := Execute(context.Background(), &Env{Check: tc.check, Diff: tc.diff}, f)
			if err != nil {
				t.Fatal(err)
			}
			if f.applied != tc.applied || r.Changed != tc.changed || len(r.Diff) != tc.wantDiffs {
				t.Errorf("applied %d changed %v diffs %d", f.applied, r.Changed, len(r.Diff))
			}
			if v, _ := r.Data.Get("k"); v != "v" {
				t.Errorf("planned data lost: %v", r.Data)
			}
		})
	}
}
