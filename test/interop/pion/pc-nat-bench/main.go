// pc-nat-bench: time from createOffer until two Pion peer connections are
// both connected, through NATs on Pion's virtual network (transport/v2/vnet)
// with 20 ms on every NAT router, STUN and TURN from pion/turn on the WAN.
// The same topology as tern-rtc's bench/pc-nat.bench.ts:
//
//	A 10.1.0.2 -- NAT A (20 ms) --+
//	                              WAN 1.2.3.0/24, STUN+TURN 1.2.3.4:3478
//	B 10.2.0.2 -- NAT B (20 ms) --+
//
// Usage: pc-nat-bench <eim-stun|symmetric-turn> [iterations]
// Prints one JSON line: {"scenario":..., "medianMs":..., "samplesMs":[...]}.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/logging"
	"github.com/pion/transport/v2/vnet"
	"github.com/pion/turn/v2"
	"github.com/pion/webrtc/v3"
)

const serverIP = "1.2.3.4"

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

type world struct {
	wan    *vnet.Router
	server *turn.Server
	netA   *vnet.Net
	netB   *vnet.Net
}

func newWorld(symmetric bool) *world {
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelError
	wan, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "1.2.3.0/24", LoggerFactory: lf})
	must(err)
	serverNet, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{serverIP}})
	must(err)
	must(wan.AddNet(serverNet))
	mapping := vnet.EndpointIndependent
	if symmetric {
		mapping = vnet.EndpointAddrPortDependent
	}
	side := func(n int) *vnet.Net {
		r, err := vnet.NewRouter(&vnet.RouterConfig{
			CIDR:          fmt.Sprintf("10.%d.0.0/24", n),
			StaticIPs:     []string{fmt.Sprintf("1.2.3.%d", 10*n)},
			MinDelay:      20 * time.Millisecond,
			LoggerFactory: lf,
			NATType:       &vnet.NATType{MappingBehavior: mapping, FilteringBehavior: vnet.EndpointAddrPortDependent},
		})
		must(err)
		must(wan.AddRouter(r))
		host, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{fmt.Sprintf("10.%d.0.2", n)}})
		must(err)
		must(r.AddNet(host))
		return host
	}
	w := &world{wan: wan, netA: side(1), netB: side(2)}
	must(wan.Start())
	conn, err := serverNet.ListenPacket("udp4", serverIP+":3478")
	must(err)
	w.server, err = turn.NewServer(turn.ServerConfig{
		Realm:         "pion.vnet",
		LoggerFactory: lf,
		AuthHandler: func(username, realm string, _ net.Addr) ([]byte, bool) {
			return turn.GenerateAuthKey(username, realm, "pass"), username == "user"
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            conn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: net.ParseIP(serverIP), Address: serverIP, Net: serverNet},
		}},
	})
	must(err)
	return w
}

func (w *world) close() {
	_ = w.server.Close()
	_ = w.wan.Stop()
}

func newPC(n *vnet.Net, servers []webrtc.ICEServer) *webrtc.PeerConnection {
	s := webrtc.SettingEngine{}
	s.SetVNet(n)
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	// Everything stays on the virtual network (no real multicast socket).
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	m := &webrtc.MediaEngine{}
	must(m.RegisterDefaultCodecs())
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(s), webrtc.WithMediaEngine(m)).NewPeerConnection(webrtc.Configuration{ICEServers: servers})
	must(err)
	return pc
}

// trickle forwards candidates, holding them until the remote description is set.
type trickle struct {
	mu      sync.Mutex
	ready   bool
	pending []webrtc.ICECandidateInit
	to      *webrtc.PeerConnection
}

func (t *trickle) add(c webrtc.ICECandidateInit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.ready {
		t.pending = append(t.pending, c)
		return
	}
	_ = t.to.AddICECandidate(c)
}

func (t *trickle) setReady() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ready = true
	for _, c := range t.pending {
		_ = t.to.AddICECandidate(c)
	}
	t.pending = nil
}

func once(symmetric bool) time.Duration {
	w := newWorld(symmetric)
	defer w.close()
	servers := []webrtc.ICEServer{{URLs: []string{"stun:" + serverIP + ":3478"}}}
	if symmetric {
		servers = append(servers, webrtc.ICEServer{URLs: []string{"turn:" + serverIP + ":3478"}, Username: "user", Credential: "pass"})
	}
	a := newPC(w.netA, servers)
	b := newPC(w.netB, servers)
	defer a.Close()
	defer b.Close()
	toB := &trickle{to: b}
	toA := &trickle{to: a}
	a.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			toB.add(c.ToJSON())
		}
	})
	b.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			toA.add(c.ToJSON())
		}
	})
	done := make(chan struct{}, 2)
	for _, pc := range []*webrtc.PeerConnection{a, b} {
		pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
			if s == webrtc.PeerConnectionStateConnected {
				done <- struct{}{}
			}
		})
	}
	_, err := a.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo)
	must(err)
	start := time.Now()
	offer, err := a.CreateOffer(nil)
	must(err)
	must(a.SetLocalDescription(offer))
	must(b.SetRemoteDescription(offer))
	toB.setReady()
	answer, err := b.CreateAnswer(nil)
	must(err)
	must(b.SetLocalDescription(answer))
	must(a.SetRemoteDescription(answer))
	toA.setReady()
	timeout := time.After(30 * time.Second)
	for i := 0; i < 2; i++ {
		select {
		case <-done:
		case <-timeout:
			fmt.Fprintln(os.Stderr, "timed out")
			os.Exit(1)
		}
	}
	return time.Since(start)
}

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "eim-stun" && os.Args[1] != "symmetric-turn") {
		fmt.Fprintln(os.Stderr, "usage: pc-nat-bench <eim-stun|symmetric-turn> [iterations]")
		os.Exit(2)
	}
	iterations := 5
	if len(os.Args) > 2 {
		v, err := strconv.Atoi(os.Args[2])
		must(err)
		iterations = v
	}
	samples := make([]float64, 0, iterations)
	for i := 0; i < iterations; i++ {
		samples = append(samples, float64(once(os.Args[1] == "symmetric-turn").Microseconds())/1000)
	}
	sorted := append([]float64(nil), samples...)
	sort.Float64s(sorted)
	out, _ := json.Marshal(map[string]interface{}{"scenario": os.Args[1], "medianMs": sorted[len(sorted)/2], "samplesMs": samples})
	fmt.Println(string(out))
}
