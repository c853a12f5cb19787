package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

// startProfiles writes a CPU profile to $FJORD_CPUPROFILE and a heap
// profile at the run's peak to $FJORD_MEMPROFILE when they are set: the benchmarks in bench/
// and performance work profile a real run without a special build. The
// returned function stops and writes them; it is safe to call when neither
// is set.
func startProfiles(getenv func(string) string) func() {
	var stops []func()
	if path := getenv("FJORD_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
		} else {
			fmt.Fprintf(os.Stderr, "[WARNING]: FJORD_CPUPROFILE: cannot profile to %s\n", path)
		}
	}
	if path := getenv("FJORD_MEMPROFILE"); path != "" {
		// The heap is sampled every 250 ms and the profile taken when
		// it is largest: at exit little is left in use, and peak memory
		// is what the benchmarks measure. The profile holds the
		// allocations since the start too (-sample_index=alloc_space).
		var mu sync.Mutex
		var peak uint64
		var best bytes.Buffer
		sample := func() {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mu.Lock()
			defer mu.Unlock()
			if ms.HeapInuse > peak {
				peak = ms.HeapInuse
				best.Reset()
				_ = pprof.Lookup("heap").WriteTo(&best, 0)
			}
		}
		done := make(chan struct{})
		go func() {
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					sample()
				}
			}
		}()
		stops = append(stops, func() {
			close(done)
			sample()
			mu.Lock()
			defer mu.Unlock()
			_ = os.WriteFile(path, best.Bytes(), 0o644)
		})
	}
	return func() {
		for _, stop := range stops {
			stop()
		}
	}
}
