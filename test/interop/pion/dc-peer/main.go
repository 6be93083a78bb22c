// dc-peer: a Pion peer connection with one echoing data channel, kept on
// loopback, signalled over stdin/stdout as JSON lines, for interop tests.
//
//	dc-peer -role offer|answer [-timeout 120s]
//
// Out (stdout), one JSON object per line:
//
//	{"type":"offer"|"answer","sdp":"..."}   (after ICE gathering completed)
//	{"type":"state","state":"connected"}    (peer connection state changes)
//	{"type":"dc-open","label":"echo","protocol":"p1"}
//	{"type":"dc-closed"}
//	{"type":"error","message":".."}
//
// In (stdin): {"type":"offer"|"answer","sdp":".."}, {"type":"close-dc"} (closes
// its channel), {"type":"close"}. EOF on stdin closes and exits. The offerer
// creates the channel "echo" (protocol "p1"); every message is echoed back.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"
)

type message struct {
	Type     string `json:"type"`
	SDP      string `json:"sdp,omitempty"`
	State    string `json:"state,omitempty"`
	Label    string `json:"label,omitempty"`
	Protocol string `json:"protocol,omitempty"`
	Message  string `json:"message,omitempty"`
}

var outMu sync.Mutex

func emit(m message) {
	outMu.Lock()
	defer outMu.Unlock()
	b, _ := json.Marshal(m)
	fmt.Println(string(b))
}

func fail(err error) {
	emit(message{Type: "error", Message: err.Error()})
	os.Exit(1)
}

func main() {
	role := flag.String("role", "offer", "offer or answer")
	timeout := flag.Duration("timeout", 120*time.Second, "exit after this long")
	flag.Parse()
	time.AfterFunc(*timeout, func() { fail(fmt.Errorf("timeout")) })

	s := webrtc.SettingEngine{}
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	s.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	s.SetIncludeLoopbackCandidate(true)
	api := webrtc.NewAPI(webrtc.WithSettingEngine(s))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		fail(err)
	}
	defer pc.Close()
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) { emit(message{Type: "state", State: st.String()}) })

	var mu sync.Mutex
	var channel *webrtc.DataChannel
	setup := func(dc *webrtc.DataChannel) {
		mu.Lock()
		channel = dc
		mu.Unlock()
		dc.OnOpen(func() { emit(message{Type: "dc-open", Label: dc.Label(), Protocol: dc.Protocol()}) })
		dc.OnClose(func() { emit(message{Type: "dc-closed"}) })
		dc.OnMessage(func(m webrtc.DataChannelMessage) {
			var err error
			if m.IsString {
				err = dc.SendText(string(m.Data))
			} else {
				err = dc.Send(m.Data)
			}
			if err != nil {
				emit(message{Type: "error", Message: "echo: " + err.Error()})
			}
		})
	}
	pc.OnDataChannel(setup)

	gathered := func() *webrtc.SessionDescription {
		<-webrtc.GatheringCompletePromise(pc)
		return pc.LocalDescription()
	}
	if *role == "offer" {
		protocol := "p1"
		dc, err := pc.CreateDataChannel("echo", &webrtc.DataChannelInit{Protocol: &protocol})
		if err != nil {
			fail(err)
		}
		setup(dc)
		offer, err := pc.CreateOffer(nil)
		if err != nil {
			fail(err)
		}
		if err := pc.SetLocalDescription(offer); err != nil {
			fail(err)
		}
		emit(message{Type: "offer", SDP: gathered().SDP})
	}

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var m message
		if err := json.Unmarshal(in.Bytes(), &m); err != nil {
			fail(err)
		}
		switch m.Type {
		case "offer":
			if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: m.SDP}); err != nil {
				fail(err)
			}
			answer, err := pc.CreateAnswer(nil)
			if err != nil {
				fail(err)
			}
			if err := pc.SetLocalDescription(answer); err != nil {
				fail(err)
			}
			emit(message{Type: "answer", SDP: gathered().SDP})
		case "answer":
			if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP}); err != nil {
				fail(err)
			}
		case "close-dc":
			mu.Lock()
			if channel != nil {
				_ = channel.Close()
			}
			mu.Unlock()
		case "close":
			return
		}
	}
}
