// ice-bench: Pion ICE (github.com/pion/ice/v2) figures for bench/ice.bench.ts,
// printed as one JSON line. Everything stays on 127.0.0.1.
//
//	ice-bench -mode connect [-runs 20] [-warmup 100]
//	  two agents in one process, from NewAgent (then gather) to both
//	  connected; candidates pass through their SDP strings as in signalling.
//	  {"mode":"connect","runs":[ms...],"medianMs":x}
//
//	ice-bench -mode memory [-agents 1000] [-concurrency 20]
//	  agents/2 connected pairs kept alive in one process; deltas after GC
//	  against a baseline taken after one warm-up pair.
//	  {"mode":"memory","agents":n,"rssKiBPerAgent":x,"heapKiBPerAgent":y,"goroutinesPerAgent":z}
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pion/ice/v2"
)

func newAgent() (*ice.Agent, error) {
	return ice.NewAgent(&ice.AgentConfig{
		NetworkTypes:     []ice.NetworkType{ice.NetworkTypeUDP4},
		CandidateTypes:   []ice.CandidateType{ice.CandidateTypeHost},
		InterfaceFilter:  func(name string) bool { return name == "lo" },
		IPFilter:         func(ip net.IP) bool { return ip.IsLoopback() },
		IncludeLoopback:  true,
		MulticastDNSMode: ice.MulticastDNSModeDisabled,
	})
}

// trickle hands every candidate of `from` to `to` through its SDP string.
func trickle(from, to *ice.Agent) error {
	return from.OnCandidate(func(c ice.Candidate) {
		if c == nil {
			return
		}
		rc, err := ice.UnmarshalCandidate(c.Marshal())
		if err == nil {
			_ = to.AddRemoteCandidate(rc)
		}
	})
}

// connectPair creates two agents and connects them; returns them open.
func connectPair(ctx context.Context) (*ice.Agent, *ice.Agent, error) {
	a, err := newAgent()
	if err != nil {
		return nil, nil, err
	}
	b, err := newAgent()
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	closeBoth := func() { a.Close(); b.Close() }
	if err := trickle(a, b); err != nil {
		closeBoth()
		return nil, nil, err
	}
	if err := trickle(b, a); err != nil {
		closeBoth()
		return nil, nil, err
	}
	aUfrag, aPwd, _ := a.GetLocalUserCredentials()
	bUfrag, bPwd, _ := b.GetLocalUserCredentials()
	if err := a.GatherCandidates(); err != nil {
		closeBoth()
		return nil, nil, err
	}
	if err := b.GatherCandidates(); err != nil {
		closeBoth()
		return nil, nil, err
	}
	errs := make(chan error, 2)
	go func() { _, err := a.Dial(ctx, bUfrag, bPwd); errs <- err }()
	go func() { _, err := b.Accept(ctx, aUfrag, aPwd); errs <- err }()
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			closeBoth()
			return nil, nil, err
		}
	}
	return a, b, nil
}

func median(v []float64) float64 {
	s := append([]float64{}, v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// cpuMs is the process's user+system CPU time so far.
func cpuMs() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

func runConnect(runs, warmup int) (map[string]interface{}, error) {
	times := make([]float64, 0, runs)
	cpu := make([]float64, 0, runs)
	// The same warm-up connections as the Node contenders get, not measured.
	for i := 0; i < warmup; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		a, b, err := connectPair(ctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("warm-up %d: %w", i, err)
		}
		a.Close()
		b.Close()
	}
	for i := 0; i < runs; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cpu0 := cpuMs()
		start := time.Now()
		a, b, err := connectPair(ctx)
		elapsed := time.Since(start)
		cpu1 := cpuMs()
		cancel()
		if err != nil {
			return nil, fmt.Errorf("run %d: %w", i, err)
		}
		times = append(times, float64(elapsed.Microseconds())/1000)
		cpu = append(cpu, cpu1-cpu0)
		a.Close()
		b.Close()
	}
	return map[string]interface{}{"mode": "connect", "runs": times, "medianMs": median(times), "medianCpuMs": median(cpu)}, nil
}

// rssBytes reads the resident set size from /proc/self/statm.
func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

type snapshot struct {
	rss, heap  uint64
	goroutines int
}

func measure() snapshot {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return snapshot{rss: rssBytes(), heap: m.HeapAlloc + m.StackInuse, goroutines: runtime.NumGoroutine()}
}

func runMemory(agents, concurrency int) (map[string]interface{}, error) {
	pairs := agents / 2
	// Warm-up: one pair, so code paths and runtime structures exist in the baseline.
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	a, b, err := connectPair(ctx)
	if err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	a.Close()
	b.Close()
	time.Sleep(100 * time.Millisecond)
	before := measure()

	var mu sync.Mutex
	open := make([]*ice.Agent, 0, 2*pairs)
	var firstErr error
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < pairs; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			x, y, err := connectPair(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			open = append(open, x, y)
		}()
	}
	wg.Wait()
	setupMs := float64(time.Since(start).Milliseconds())
	defer func() {
		for _, ag := range open {
			ag.Close()
		}
	}()
	if firstErr != nil {
		return nil, firstErr
	}
	time.Sleep(200 * time.Millisecond)
	after := measure()
	n := float64(len(open))
	return map[string]interface{}{
		"mode":               "memory",
		"agents":             len(open),
		"rssKiBPerAgent":     (float64(after.rss) - float64(before.rss)) / 1024 / n,
		"heapKiBPerAgent":    (float64(after.heap) - float64(before.heap)) / 1024 / n,
		"goroutinesPerAgent": float64(after.goroutines-before.goroutines) / n,
		"setupMs":            setupMs,
	}, nil
}

func main() {
	mode := flag.String("mode", "connect", "connect or memory")
	runs := flag.Int("runs", 20, "connect runs")
	warmup := flag.Int("warmup", 0, "connect runs before measuring")
	agents := flag.Int("agents", 1000, "agents for the memory mode (pairs = agents/2)")
	concurrency := flag.Int("concurrency", 20, "pairs connecting at once in the memory mode")
	flag.Parse()
	var out map[string]interface{}
	var err error
	switch *mode {
	case "connect":
		out, err = runConnect(*runs, *warmup)
	case "memory":
		out, err = runMemory(*agents, *concurrency)
	default:
		err = fmt.Errorf("unknown -mode %q", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		json.NewEncoder(os.Stdout).Encode(map[string]string{"error": err.Error()})
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
