package connection

import (
	"context"
	"sync"
)

// Counting wraps a Conn and counts Exec calls, the round trips a module
// costs. Tests use it to hold modules to their budget.
type Counting struct {
	Conn
	mu       sync.Mutex
	n        int
	Commands []string
}

// NewCounting wraps c.
func NewCounting(c Conn) *Counting { return &Counting{Conn: c} }

// Exec counts and forwards.
func (c *Counting) Exec(ctx context.Context, cmd *Cmd) (*Result, error) {
	c.mu.Lock()
	c.n++
	c.Commands = append(c.Commands, cmd.Command)
	c.mu.Unlock()
	return c.Conn.Exec(ctx, cmd)
}

// Count returns the number of Exec calls so far.
func (c *Counting) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// Reset sets the count back to zero.
func (c *Counting) Reset() {
	c.mu.Lock()
	c.n = 0
	c.Commands = nil
	c.mu.Unlock()
}
