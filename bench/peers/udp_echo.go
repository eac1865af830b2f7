// Command udp-echo-go is a Go UDP echo server, a peer the UDP benchmark sets against tcpecho.
//
// It is written the way a Go programmer writes one, standard library only: net.ListenPacket,
// then one goroutine reading each datagram with ReadFrom into a 64 KiB buffer and sending it
// back with WriteTo. The standard library has no batched receive (recvmmsg is in
// golang.org/x/net/ipv4 only), so this is one system call per datagram each way. A datagram
// the socket cannot take is dropped by the kernel (a UDP socket does not block on a full
// send buffer here); GOMAXPROCS is left at its default.
//
// Usage: udp-echo-go [PORT] [HOST]; port 0 lets the kernel choose. Once bound it prints
// 'udp-echo-go: listening on HOST:PORT' on stderr; SIGTERM or SIGINT ends it with status 0.
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

const prog = "udp-echo-go"

// reason returns the innermost error, the part that says why ("address already in use").
func reason(err error) error {
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			return err
		}
		err = inner
	}
}

func main() {
	port, host := "0", "127.0.0.1"
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	if len(os.Args) > 2 {
		host = os.Args[2]
	}
	if n, err := strconv.Atoi(port); len(os.Args) > 3 || err != nil || n < 0 || n > 65535 {
		fmt.Fprintf(os.Stderr, "usage: %s [PORT] [HOST]\n", prog)
		os.Exit(2)
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		os.Exit(0)
	}()

	pc, err := net.ListenPacket("udp", net.JoinHostPort(host, port))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: bind %s:%s: %v\n", prog, host, port, reason(err))
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "%s: listening on %s\n", prog, pc.LocalAddr())
	buf := make([]byte, 65536)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			// An ICMP error queued by an earlier reply: it concerns that datagram only.
			continue
		}
		pc.WriteTo(buf[:n], from) // a datagram not sent is lost, as UDP allows
	}
}
