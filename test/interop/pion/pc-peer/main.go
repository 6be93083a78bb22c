// pc-peer: a Pion peer connection (github.com/pion/webrtc/v3) kept on
// loopback, signalled over stdin/stdout as JSON lines, for interop tests.
//
//	pc-peer -role offer|answer [-count 100] [-timeout 30s] [-stream n]
//
// Out (stdout), one JSON object per line:
//
//	{"type":"offer"|"answer","sdp":"..."}       (after ICE gathering completed)
//	{"type":"state","state":"connected"}        (peer connection state changes)
//	{"type":"track","kind":"video","codec":"video/VP8","ssrc":n}
//	{"type":"stats","sent":n,"received":n}
//	{"type":"streamed","first":seq,"last":seq,"sent":n}  (with -stream, see below)
//	{"type":"error","message":".."}
//
// In (stdin): {"type":"offer"|"answer","sdp":".."}, {"type":"send"} (send
// `count` VP8 RTP packets on its track), {"type":"stats"}, {"type":"close"}.
// EOF on stdin closes and exits. It offers/answers one sendrecv VP8 video
// transceiver and one sendrecv Opus audio transceiver (audio not sent).
//
// With -stream n the peer sends video from the moment it starts, before any
// signalling, as an application that starts its camera at once does: it
// retries every 50 µs until a packet goes out (so the first follows the final
// DTLS flight at once), then sends bursts of 5 packets (a frame) every 5 ms. Pion drops writes made before its SRTP keys
// exist; from the first write that reaches SRTP (right after the DTLS
// handshake) every one does. After n such writes it reports the first and
// last sequence numbers that went out: the receiver must have them all.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
)

type message struct {
	Type     string `json:"type"`
	SDP      string `json:"sdp,omitempty"`
	State    string `json:"state,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Codec    string `json:"codec,omitempty"`
	SSRC     uint32 `json:"ssrc,omitempty"`
	Sent     int64  `json:"sent"`
	Received int64  `json:"received"`
	Message  string `json:"message,omitempty"`
	First    int64  `json:"first,omitempty"`
	Last     int64  `json:"last,omitempty"`
}

// boundTrack is a static RTP track that also keeps the binding Pion made
// (one sender), so the stream mode can write through it and learn whether a
// packet reached SRTP: Pion's writer returns 0 bytes, silently, for writes
// made before the SRTP keys exist.
type boundTrack struct {
	*webrtc.TrackLocalStaticRTP
	mu          sync.Mutex
	writer      webrtc.TrackLocalWriter
	ssrc        uint32
	payloadType uint8
}

func (t *boundTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	c, err := t.TrackLocalStaticRTP.Bind(ctx)
	if err == nil {
		t.mu.Lock()
		t.writer, t.ssrc, t.payloadType = ctx.WriteStream(), uint32(ctx.SSRC()), uint8(c.PayloadType)
		t.mu.Unlock()
	}
	return c, err
}

// writeBound writes through the binding; true when the packet went out on SRTP.
func (t *boundTrack) writeBound(p *rtp.Packet) bool {
	t.mu.Lock()
	w, ssrc, pt := t.writer, t.ssrc, t.payloadType
	t.mu.Unlock()
	if w == nil {
		return false
	}
	h := p.Header
	h.SSRC, h.PayloadType = ssrc, pt
	n, err := w.WriteRTP(&h, p.Payload)
	return err == nil && n > 0
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
	role := flag.String("role", "answer", "offer or answer")
	count := flag.Int("count", 100, "RTP packets to send on request")
	timeout := flag.Duration("timeout", 30*time.Second, "maximum lifetime")
	stream := flag.Int("stream", 0, "send from the start; report after this many packets went out bound")
	flag.Parse()
	time.AfterFunc(*timeout, func() { os.Exit(2) })

	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetIncludeLoopbackCandidate(true)
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		fail(err)
	}
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(me))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		fail(err)
	}
	defer pc.Close()

	staticVideo, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "pion-video", "pion")
	if err != nil {
		fail(err)
	}
	video := &boundTrack{TrackLocalStaticRTP: staticVideo}
	var sent, received int64
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) { emit(message{Type: "state", State: s.String()}) })
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		emit(message{Type: "track", Kind: t.Kind().String(), Codec: t.Codec().MimeType, SSRC: uint32(t.SSRC())})
		for {
			if _, _, err := t.ReadRTP(); err != nil {
				return
			}
			atomic.AddInt64(&received, 1)
		}
	})

	describe := func(kind string) {
		done := webrtc.GatheringCompletePromise(pc)
		var d webrtc.SessionDescription
		if kind == "offer" {
			d, err = pc.CreateOffer(nil)
		} else {
			d, err = pc.CreateAnswer(nil)
		}
		if err != nil {
			fail(err)
		}
		if err = pc.SetLocalDescription(d); err != nil {
			fail(err)
		}
		<-done
		emit(message{Type: kind, SDP: pc.LocalDescription().SDP})
	}
	addTracks := func() {
		if _, err := pc.AddTrack(video); err != nil {
			fail(err)
		}
	}

	if *stream > 0 {
		go func() {
			seq := uint16(5000)
			first, sentBound := -1, 0
			for i := 0; sentBound < *stream; i++ {
				p := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: uint32(i/5) * 3000, SSRC: 1, Marker: i%5 == 4}, Payload: []byte{0x10, 1, 2, 3}}
				if video.writeBound(p) {
					if first < 0 {
						first = int(seq)
					}
					sentBound++
					atomic.AddInt64(&sent, 1)
				} else if first >= 0 {
					emit(message{Type: "error", Message: fmt.Sprintf("write of %d failed after the first went out", seq)})
				}
				seq++
				if first < 0 {
					// Until the keys exist: retry at once, so the first packet follows the final flight closely.
					time.Sleep(50 * time.Microsecond)
				} else if i%5 == 4 {
					time.Sleep(5 * time.Millisecond)
				}
			}
			emit(message{Type: "streamed", First: int64(first), Last: int64(seq - 1), Sent: int64(sentBound)})
		}()
	}

	if *role == "offer" {
		addTracks()
		if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			fail(err)
		}
		describe("offer")
	}

	send := func() {
		seq := uint16(1000)
		for i := 0; i < *count; i++ {
			p := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: uint32(i * 3000), SSRC: 1, Marker: true}, Payload: []byte{0x10, 1, 2, 3}}
			seq++
			if err := video.WriteRTP(p); err == nil {
				atomic.AddInt64(&sent, 1)
			}
			if i%10 == 9 {
				time.Sleep(2 * time.Millisecond)
			}
		}
	}

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var m message
		if err := json.Unmarshal(in.Bytes(), &m); err != nil {
			continue
		}
		switch m.Type {
		case "offer":
			if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: m.SDP}); err != nil {
				fail(err)
			}
			addTracks()
			describe("answer")
		case "answer":
			if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP}); err != nil {
				fail(err)
			}
		case "send":
			go send()
		case "stats":
			emit(message{Type: "stats", Sent: atomic.LoadInt64(&sent), Received: atomic.LoadInt64(&received)})
		case "close":
			pc.Close()
			return
		}
	}
}
