// Command dtls-peer is a Pion DTLS 1.2 endpoint for interop tests.
//
// It runs as client or server on a loopback UDP address, negotiates the
// requested cipher suites and SRTP profiles with extended master secret
// required, prints JSON lines on stdout and echoes application data back.
//
// Output (one JSON object per line):
//
//	{"type":"listening","port":N,"fingerprint":"AB:CD:..."}
//	{"type":"connected","cipherSuite":"TLS_...","srtpProfile":"SRTP_...","keyingMaterial":"hex","peerCertificate":"hex"}
//	{"type":"data","hex":"..."}          (application data received; echoed back)
//	{"type":"closed"} / {"type":"error","message":"..."}
//
// The process exits after -lifetime, or when stdin closes (after sending
// close_notify on an established connection).
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/dtls/v2"
	"github.com/pion/dtls/v2/pkg/crypto/selfsign"
	"github.com/pion/dtls/v2/pkg/protocol"
	"github.com/pion/dtls/v2/pkg/protocol/recordlayer"
	"github.com/pion/udp/v2"
)

var out = struct {
	sync.Mutex
	enc *json.Encoder
}{enc: json.NewEncoder(os.Stdout)}

func emit(v map[string]interface{}) {
	out.Lock()
	defer out.Unlock()
	_ = out.enc.Encode(v)
}

func fail(format string, args ...interface{}) {
	emit(map[string]interface{}{"type": "error", "message": fmt.Sprintf(format, args...)})
	os.Exit(1)
}

var suiteByName = map[string]dtls.CipherSuiteID{
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256":   dtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": dtls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384":   dtls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA":    dtls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA":      dtls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
}

var profileByName = map[string]dtls.SRTPProtectionProfile{
	"SRTP_AES128_CM_HMAC_SHA1_80": dtls.SRTP_AES128_CM_HMAC_SHA1_80,
	"SRTP_AES128_CM_HMAC_SHA1_32": dtls.SRTP_AES128_CM_HMAC_SHA1_32,
	"SRTP_AEAD_AES_128_GCM":       dtls.SRTP_AEAD_AES_128_GCM,
	"SRTP_AEAD_AES_256_GCM":       dtls.SRTP_AEAD_AES_256_GCM,
}

func suiteName(id uint16) string {
	for n, v := range suiteByName {
		if uint16(v) == id {
			return n
		}
	}
	return fmt.Sprintf("0x%04x", id)
}

func profileName(p dtls.SRTPProtectionProfile) string {
	for n, v := range profileByName {
		if v == p {
			return n
		}
	}
	return ""
}

// negotiatedSuite reads the cipher suite id from the serialized state (the
// v2 API does not expose it directly).
func negotiatedSuite(state dtls.State) string {
	raw, err := state.MarshalBinary()
	if err != nil {
		return ""
	}
	var s struct{ CipherSuiteID uint16 }
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&s); err != nil {
		return ""
	}
	return suiteName(s.CipherSuiteID)
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

func makeCertificate(keyType string) tls.Certificate {
	var key interface{}
	var err error
	switch keyType {
	case "ecdsa":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "rsa":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		fail("unknown -key %q", keyType)
	}
	if err != nil {
		fail("key: %v", err)
	}
	cert, err := selfsign.SelfSign(key)
	if err != nil {
		fail("selfsign: %v", err)
	}
	return cert
}

func parseAddr(s string) *net.UDPAddr {
	a, err := net.ResolveUDPAddr("udp", s)
	if err != nil {
		fail("address %q: %v", s, err)
	}
	if !a.IP.IsLoopback() {
		fail("address %q is not loopback", s)
	}
	return a
}

// guardedConn ignores read deadlines once the peer is closing on purpose.
// dtls.Conn.Close first cancels its read loop (through a read deadline), and
// that loop then closes the socket, racing Close's own close_notify write;
// keeping the read blocked lets close_notify leave first. The read ends when
// Close closes the socket.
type guardedConn struct {
	net.Conn
	closing *atomic.Bool
}

func (c guardedConn) SetReadDeadline(t time.Time) error {
	if c.closing.Load() {
		return nil
	}
	return c.Conn.SetReadDeadline(t)
}

type guardedListener struct {
	net.Listener
	closing *atomic.Bool
}

func (l guardedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return guardedConn{c, l.closing}, nil
}

// listenGuarded is dtls.Listen over guarded connections: new remote
// addresses are accepted only for handshake records, as dtls.Listen does.
func listenGuarded(laddr *net.UDPAddr, config *dtls.Config, closing *atomic.Bool) (net.Listener, error) {
	lc := udp.ListenConfig{
		AcceptFilter: func(packet []byte) bool {
			pkts, err := recordlayer.UnpackDatagram(packet)
			if err != nil || len(pkts) < 1 {
				return false
			}
			h := &recordlayer.Header{}
			if err := h.Unmarshal(pkts[0]); err != nil {
				return false
			}
			return h.ContentType == protocol.ContentTypeHandshake
		},
	}
	inner, err := lc.Listen("udp", laddr)
	if err != nil {
		return nil, err
	}
	return dtls.NewListener(guardedListener{inner, closing}, config)
}

func main() {
	role := flag.String("role", "server", "client or server")
	local := flag.String("local", "127.0.0.1:0", "local UDP address (loopback)")
	remote := flag.String("remote", "", "remote UDP address (client role)")
	suites := flag.String("suites", "", "comma-separated cipher suite names (default: Pion's)")
	profiles := flag.String("srtp", "SRTP_AEAD_AES_128_GCM,SRTP_AES128_CM_HMAC_SHA1_80", "comma-separated SRTP profiles ('' for none)")
	keyType := flag.String("key", "ecdsa", "certificate key: ecdsa or rsa")
	clientAuth := flag.Bool("client-auth", true, "server: require a client certificate")
	remoteFp := flag.String("remote-fingerprint", "", "expected SHA-256 fingerprint of the peer certificate")
	exportLen := flag.Int("export-length", 60, "EXTRACTOR-dtls_srtp length")
	mtu := flag.Int("mtu", 0, "MTU (0 = Pion default)")
	lifetime := flag.Duration("lifetime", 20*time.Second, "exit after this long")
	flag.Parse()

	time.AfterFunc(*lifetime, func() {
		emit(map[string]interface{}{"type": "error", "message": "lifetime exceeded"})
		os.Exit(2)
	})
	var activeMu sync.Mutex
	var active *dtls.Conn
	var closing atomic.Bool
	go func() {
		// When the parent closes stdin (or dies): close_notify, then exit.
		r := bufio.NewReader(os.Stdin)
		for {
			if _, err := r.ReadByte(); err != nil {
				activeMu.Lock()
				if active != nil {
					// Close cancels the read loop before it writes close_notify: the
					// reader below must not exit the process in between.
					closing.Store(true)
					_ = active.Close()
					time.Sleep(50 * time.Millisecond)
				}
				os.Exit(0)
			}
		}
	}()
	// Reports the end of the session and exits, unless a local close is in
	// progress (that path exits once close_notify is written).
	endSession := func(err error) {
		if closing.Load() {
			select {}
		}
		emit(map[string]interface{}{"type": "closed", "message": err.Error()})
		os.Exit(0)
	}

	cert := makeCertificate(*keyType)
	config := &dtls.Config{
		Certificates:         []tls.Certificate{cert},
		ExtendedMasterSecret: dtls.RequireExtendedMasterSecret,
		InsecureSkipVerify:   true,
		FlightInterval:       time.Second,
	}
	if *mtu > 0 {
		config.MTU = *mtu
	}
	if *suites != "" {
		for _, n := range strings.Split(*suites, ",") {
			id, ok := suiteByName[n]
			if !ok {
				fail("unknown suite %q", n)
			}
			config.CipherSuites = append(config.CipherSuites, id)
		}
	}
	if *profiles != "" {
		for _, n := range strings.Split(*profiles, ",") {
			p, ok := profileByName[n]
			if !ok {
				fail("unknown SRTP profile %q", n)
			}
			config.SRTPProtectionProfiles = append(config.SRTPProtectionProfiles, p)
		}
	}
	if *clientAuth {
		config.ClientAuth = dtls.RequireAnyClientCert
	}
	if *remoteFp != "" {
		want := strings.ToUpper(*remoteFp)
		config.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("no peer certificate")
			}
			if got := fingerprint(raw[0]); got != want {
				return fmt.Errorf("fingerprint mismatch: %s", got)
			}
			return nil
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), *lifetime)
	defer cancel()
	config.ConnectContextMaker = func() (context.Context, func()) { return context.WithTimeout(ctx, 15*time.Second) }

	var conn *dtls.Conn
	switch *role {
	case "server":
		ln, err := listenGuarded(parseAddr(*local), config, &closing)
		if err != nil {
			fail("listen: %v", err)
		}
		port := ln.Addr().(*net.UDPAddr).Port
		emit(map[string]interface{}{"type": "listening", "port": port, "fingerprint": fingerprint(cert.Certificate[0])})
		c, err := ln.Accept()
		if err != nil {
			fail("handshake: %v", err)
		}
		conn = c.(*dtls.Conn)
	case "client":
		if *remote == "" {
			fail("-remote is required for the client role")
		}
		uc, err := net.DialUDP("udp", parseAddr(*local), parseAddr(*remote))
		if err != nil {
			fail("dial: %v", err)
		}
		emit(map[string]interface{}{"type": "listening", "port": uc.LocalAddr().(*net.UDPAddr).Port, "fingerprint": fingerprint(cert.Certificate[0])})
		conn, err = dtls.ClientWithContext(ctx, guardedConn{uc, &closing}, config)
		if err != nil {
			fail("handshake: %v", err)
		}
	default:
		fail("unknown -role %q", *role)
	}

	activeMu.Lock()
	active = conn
	activeMu.Unlock()
	state := conn.ConnectionState()
	km, err := state.ExportKeyingMaterial("EXTRACTOR-dtls_srtp", nil, *exportLen)
	if err != nil {
		fail("export: %v", err)
	}
	profile, _ := conn.SelectedSRTPProtectionProfile()
	peer := ""
	if len(state.PeerCertificates) > 0 {
		peer = hex.EncodeToString(state.PeerCertificates[0])
	}
	emit(map[string]interface{}{
		"type":            "connected",
		"cipherSuite":     negotiatedSuite(state),
		"srtpProfile":     profileName(profile),
		"keyingMaterial":  hex.EncodeToString(km),
		"peerCertificate": peer,
	})

	buf := make([]byte, 16384)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			endSession(err)
		}
		emit(map[string]interface{}{"type": "data", "hex": hex.EncodeToString(buf[:n])})
		if _, err := conn.Write(buf[:n]); err != nil {
			endSession(err)
		}
	}
}
