//go:build !linux

package connection

import "context"

// The host helper's server is Linux's only: elsewhere a local
// connection's file requests run as scripts.
type localHelpers struct{}

// Helper implements HelperConn: never a helper off Linux.
func (l *Local) Helper(ctx context.Context, b *Become) *Helper { return nil }

func (l *Local) closeHelpers() {}
