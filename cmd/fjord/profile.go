package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles writes a CPU profile to $FJORD_CPUPROFILE and a heap
// profile to $FJORD_MEMPROFILE when they are set: the benchmarks in bench/
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
		stops = append(stops, func() {
			f, err := os.Create(path)
			if err != nil {
				return
			}
			defer f.Close()
			runtime.GC()
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
		})
	}
	return func() {
		for _, stop := range stops {
			stop()
		}
	}
}
