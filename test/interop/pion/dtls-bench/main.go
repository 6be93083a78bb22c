// Command dtls-bench measures Pion DTLS 1.2 for bench/dtls.bench.ts and
// generates handshake load against other servers. Everything stays on
// 127.0.0.1; every mode is bounded in time. Results are one JSON line.
//
//	-mode handshake  -n 20 -warmup 3           client+server in this process, sequential full
//	                                           handshakes; prints {"medianMs":..,"samples":[..]}
//	-mode server     -duration 10s             DTLS server (run with GOMAXPROCS=1); prints
//	                                           {"type":"listening","port":N} then, on each
//	                                           stdin line, {"handshakes":count}
//	-mode clients    -remote 127.0.0.1:P -concurrency 32 -duration 8s
//	                                           loops: dial, handshake, close; prints
//	                                           {"handshakes":ok,"failures":n}
//
// All endpoints use ECDSA P-256 certificates (generated once), require
// extended master secret, offer TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 and
// SRTP profiles, and authenticate both sides (the server requires a client
// certificate), as WebRTC does.
package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/dtls/v2"
	"github.com/pion/dtls/v2/pkg/crypto/selfsign"
	"github.com/pion/udp/v2"
)

func emit(v map[string]interface{}) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func fail(err error) {
	emit(map[string]interface{}{"type": "error", "message": err.Error()})
	os.Exit(1)
}

func certificate() tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		fail(err)
	}
	cert, err := selfsign.SelfSign(key)
	if err != nil {
		fail(err)
	}
	return cert
}

func config(cert tls.Certificate, server bool) *dtls.Config {
	c := &dtls.Config{
		Certificates:           []tls.Certificate{cert},
		ExtendedMasterSecret:   dtls.RequireExtendedMasterSecret,
		InsecureSkipVerify:     true,
		CipherSuites:           []dtls.CipherSuiteID{dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		SRTPProtectionProfiles: []dtls.SRTPProtectionProfile{dtls.SRTP_AEAD_AES_128_GCM, dtls.SRTP_AES128_CM_HMAC_SHA1_80},
		FlightInterval:         time.Second,
	}
	if server {
		c.ClientAuth = dtls.RequireAnyClientCert
	}
	return c
}

// processCPUMs is the user+system CPU time of this process so far, in ms.
func processCPUMs() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

func loopback(port int) *net.UDPAddr { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port} }

func handshakeMode(n, warmup int) {
	serverCert, clientCert := certificate(), certificate()
	scfg, ccfg := config(serverCert, true), config(clientCert, false)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	scfg.ConnectContextMaker = func() (context.Context, func()) { return context.WithTimeout(ctx, 10*time.Second) }
	ccfg.ConnectContextMaker = scfg.ConnectContextMaker
	ln, err := dtls.Listen("udp", loopback(0), scfg)
	if err != nil {
		fail(err)
	}
	defer ln.Close()
	addr := ln.Addr().(*net.UDPAddr)

	samples := []float64{}
	var cpuMs float64
	for i := 0; i < warmup+n; i++ {
		cpu0 := processCPUMs()
		type acceptResult struct {
			conn net.Conn
			err  error
		}
		accepted := make(chan acceptResult, 1)
		start := time.Now()
		go func() {
			c, err := ln.Accept()
			accepted <- acceptResult{c, err}
		}()
		c, err := dtls.Dial("udp", addr, ccfg)
		if err != nil {
			fail(err)
		}
		res := <-accepted
		if res.err != nil {
			fail(res.err)
		}
		elapsed := time.Since(start)
		_ = c.Close()
		_ = res.conn.Close()
		if i >= warmup {
			samples = append(samples, float64(elapsed.Microseconds())/1000)
			cpuMs += processCPUMs() - cpu0
		}
	}
	sorted := append([]float64(nil), samples...)
	sort.Float64s(sorted)
	median := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		median = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	emit(map[string]interface{}{"type": "result", "medianMs": median, "samples": samples, "cpuMsPerHandshake": cpuMs / float64(n)})
}

func serverMode(duration time.Duration) {
	cfg := config(certificate(), true)
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	cfg.ConnectContextMaker = func() (context.Context, func()) { return context.WithTimeout(ctx, 5*time.Second) }
	// The UDP listener accepts raw associations; handshakes run concurrently
	// (dtls.Server per association, as dtls.Listen would but without
	// serializing them in Accept), so one slow client cannot stall the rest.
	raw, err := (&udp.ListenConfig{}).Listen("udp", loopback(0))
	if err != nil {
		fail(err)
	}
	emit(map[string]interface{}{"type": "listening", "port": raw.Addr().(*net.UDPAddr).Port})
	var count int64
	go func() {
		for {
			c, err := raw.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				d, err := dtls.Server(c, cfg)
				if err != nil {
					_ = c.Close()
					return
				}
				atomic.AddInt64(&count, 1)
				_ = d.Close()
			}(c)
		}
	}()
	go func() {
		s := bufio.NewScanner(os.Stdin)
		for s.Scan() {
			emit(map[string]interface{}{"type": "count", "handshakes": atomic.LoadInt64(&count)})
		}
		os.Exit(0)
	}()
	<-ctx.Done()
	emit(map[string]interface{}{"type": "done", "handshakes": atomic.LoadInt64(&count)})
}

func clientsMode(remote string, concurrency int, duration time.Duration) {
	raddr, err := net.ResolveUDPAddr("udp", remote)
	if err != nil || !raddr.IP.IsLoopback() {
		fail(fmt.Errorf("-remote must be a loopback address: %q", remote))
	}
	cfg := config(certificate(), false)
	deadline := time.Now().Add(duration)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	cfg.ConnectContextMaker = func() (context.Context, func()) { return context.WithTimeout(ctx, 5*time.Second) }
	var ok, failures int64
	var wg sync.WaitGroup
	var latMu sync.Mutex
	latencies := []float64{}
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				start := time.Now()
				c, err := dtls.Dial("udp", raddr, cfg)
				if err != nil {
					if ctx.Err() == nil && atomic.AddInt64(&failures, 1) == 1 {
						fmt.Fprintln(os.Stderr, "first failure:", err)
					}
					continue
				}
				atomic.AddInt64(&ok, 1)
				latMu.Lock()
				if len(latencies) < 1_000_000 {
					latencies = append(latencies, float64(time.Since(start).Microseconds())/1000)
				}
				latMu.Unlock()
				_ = c.Close()
			}
		}()
	}
	wg.Wait()
	sort.Float64s(latencies)
	pct := func(q float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[int(q*float64(len(latencies)-1))]
	}
	emit(map[string]interface{}{"type": "result", "handshakes": ok, "failures": failures, "p50Ms": pct(0.5), "p99Ms": pct(0.99)})
}

func main() {
	mode := flag.String("mode", "handshake", "handshake, server or clients")
	n := flag.Int("n", 20, "handshake: measured handshakes")
	warmup := flag.Int("warmup", 3, "handshake: unmeasured warm-up handshakes")
	remote := flag.String("remote", "", "clients: server address")
	concurrency := flag.Int("concurrency", 32, "clients: concurrent handshakes")
	duration := flag.Duration("duration", 10*time.Second, "server/clients: run time")
	flag.Parse()
	// Hard bound on the process lifetime whatever happens.
	time.AfterFunc(*duration+30*time.Second, func() { os.Exit(3) })
	switch *mode {
	case "handshake":
		handshakeMode(*n, *warmup)
	case "server":
		serverMode(*duration)
	case "clients":
		clientsMode(*remote, *concurrency, *duration)
	default:
		fail(fmt.Errorf("unknown -mode %q", *mode))
	}
}
