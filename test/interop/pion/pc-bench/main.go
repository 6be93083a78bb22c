// pc-bench: Pion webrtc figures for the peer-connection benchmarks, two
// peers in one process on loopback. Prints one JSON line.
//
//	pc-bench -mode connect [-runs 20] [-warmup 100]     {"medianMs":x,"earlyMedianMs":y}
//	pc-bench -mode media [-seconds 5]     {"pktsPerSec":x,"cpuUsPerPkt":y,"lossPct":z}
//	pc-bench -mode idle [-pairs 100]      {"kibPerPair":x}
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
)

func api() *webrtc.API {
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetIncludeLoopbackCandidate(true)
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		panic(err)
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(me))
}

var certificate webrtc.Certificate

type pair struct {
	a, b  *webrtc.PeerConnection
	track *webrtc.TrackLocalStaticRTP
}

// connect builds a connected pair (the sender has one VP8 track); returns the time from createOffer to both connected.
func connect(a *webrtc.API, onTrack func(*webrtc.TrackRemote)) (*pair, time.Duration) {
	cfg := webrtc.Configuration{Certificates: []webrtc.Certificate{certificate}}
	pa, err := a.NewPeerConnection(cfg)
	must(err)
	pb, err := a.NewPeerConnection(cfg)
	must(err)
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "v", "s")
	must(err)
	_, err = pa.AddTrack(track)
	must(err)
	connected := make(chan struct{}, 2)
	for _, pc := range []*webrtc.PeerConnection{pa, pb} {
		pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
			if s == webrtc.PeerConnectionStateConnected {
				connected <- struct{}{}
			}
		})
	}
	if onTrack != nil {
		pb.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { onTrack(t) })
	}
	start := time.Now()
	// Non-trickle, as the TypeScript side of the benchmark does: each description carries its candidates.
	offer, err := pa.CreateOffer(nil)
	must(err)
	gathered := webrtc.GatheringCompletePromise(pa)
	must(pa.SetLocalDescription(offer))
	<-gathered
	must(pb.SetRemoteDescription(*pa.LocalDescription()))
	answer, err := pb.CreateAnswer(nil)
	must(err)
	gathered = webrtc.GatheringCompletePromise(pb)
	must(pb.SetLocalDescription(answer))
	<-gathered
	must(pa.SetRemoteDescription(*pb.LocalDescription()))
	<-connected
	<-connected
	return &pair{pa, pb, track}, time.Since(start)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func rssKiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			v, _ := strconv.ParseFloat(f[1], 64)
			return v
		}
	}
	return 0
}

func main() {
	mode := flag.String("mode", "connect", "connect|media|idle")
	runs := flag.Int("runs", 20, "connect runs")
	warmup := flag.Int("warmup", 100, "connections before the steady-state measurement")
	seconds := flag.Float64("seconds", 5, "media duration")
	pairs := flag.Int("pairs", 100, "idle pairs")
	flag.Parse()
	time.AfterFunc(120*time.Second, func() { os.Exit(2) })
	sk, err := webrtc.GenerateCertificate(mustKey())
	must(err)
	certificate = *sk
	a := api()
	out := map[string]float64{}
	switch *mode {
	case "connect":
		// Measured like the Node contenders: 20 connections after 3 warm-up ones, then 20 after
		// -warmup in all.
		measure := func() float64 {
			var d []float64
			for i := 0; i < *runs; i++ {
				p, t := connect(a, nil)
				d = append(d, float64(t.Microseconds())/1000)
				p.a.Close()
				p.b.Close()
			}
			sort.Float64s(d)
			return d[len(d)/2]
		}
		warm := func(n int) {
			for i := 0; i < n; i++ {
				p, _ := connect(a, nil)
				p.a.Close()
				p.b.Close()
			}
		}
		warm(3)
		out["earlyMedianMs"] = measure()
		warm(*warmup - 3 - *runs)
		out["medianMs"] = measure()
	case "media":
		var received int64
		p, _ := connect(a, func(t *webrtc.TrackRemote) {
			buf := make([]byte, 1500)
			for {
				if _, _, err := t.Read(buf); err != nil {
					return
				}
				atomic.AddInt64(&received, 1)
			}
		})
		payload := make([]byte, 1200)
		payload[0] = 0x10
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SSRC: 1, Marker: true}, Payload: payload}
		// Warm up until the receiver sees packets (OnTrack fires on the first one).
		for atomic.LoadInt64(&received) == 0 {
			pkt.SequenceNumber++
			_ = p.track.WriteRTP(pkt)
			time.Sleep(time.Millisecond)
		}
		var sent int64
		base := atomic.LoadInt64(&received)
		c0 := cpuTime()
		t0 := time.Now()
		deadline := t0.Add(time.Duration(*seconds * float64(time.Second)))
		for time.Now().Before(deadline) {
			if sent-(atomic.LoadInt64(&received)-base) >= 64 {
				// Window full: wait for the receive path rather than spin (spinning would be
				// counted as CPU per packet, most visibly with GOMAXPROCS=1).
				time.Sleep(50 * time.Microsecond)
				continue
			}
			pkt.SequenceNumber++
			pkt.Timestamp += 3000
			if p.track.WriteRTP(pkt) == nil {
				sent++
			}
		}
		time.Sleep(200 * time.Millisecond)
		elapsed := time.Since(t0).Seconds() - 0.2
		got := atomic.LoadInt64(&received) - base
		out["pktsPerSec"] = float64(got) / elapsed
		out["cpuUsPerPkt"] = float64((cpuTime() - c0).Microseconds()) / float64(got)
		out["lossPct"] = 100 * float64(sent-got) / float64(sent)
		p.a.Close()
		p.b.Close()
	case "idle":
		// Warmed like the Node contenders: 20 pairs connected and closed before the baseline.
		var warm []*pair
		for i := 0; i < 20; i++ {
			p, _ := connect(a, nil)
			warm = append(warm, p)
		}
		for _, p := range warm {
			p.a.Close()
			p.b.Close()
		}
		time.Sleep(200 * time.Millisecond)
		runtime.GC()
		before := rssKiB()
		var ps []*pair
		for i := 0; i < *pairs; i++ {
			p, _ := connect(a, nil)
			ps = append(ps, p)
		}
		time.Sleep(time.Second)
		runtime.GC()
		after := rssKiB()
		out["kibPerPair"] = (after - before) / float64(*pairs)
		for _, p := range ps {
			p.a.Close()
			p.b.Close()
		}
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}
