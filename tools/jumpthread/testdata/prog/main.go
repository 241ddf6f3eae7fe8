// Command prog exercises what a threaded module must still do alike: loops, switches, calls,
// defers and a recovered panic, and goroutines that block on channels (a goroutine switch
// unwinds Go's Wasm stack and re-enters each function at its saved resume point). It prints a
// line per part; TestThreadedRunsAlike compares the output of the module as Go built it and as
// jumpthread rewrote it.
package main

import (
	"fmt"
	"sort"
	"strings"
)

func collatz(n int) (steps int) {
	for n != 1 {
		if n%2 == 0 {
			n /= 2
		} else {
			n = 3*n + 1
		}
		steps++
	}
	return steps
}

func classify(s string) string {
	switch {
	case s == "":
		return "empty"
	case strings.HasPrefix(s, "x"):
		return "x-" + classify(s[1:])
	case len(s) > 3:
		return "long"
	}
	return "short"
}

func recovered(n int) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint("recovered: ", r)
		}
	}()
	a := []int{1, 2, 3}
	return fmt.Sprint(a[n])
}

func pipeline(n int) int {
	in, out := make(chan int), make(chan int)
	for w := 0; w < 3; w++ {
		go func() {
			for v := range in {
				out <- v * v
			}
		}()
	}
	go func() {
		for i := 1; i <= n; i++ {
			in <- i
		}
		close(in)
	}()
	sum := 0
	for i := 0; i < n; i++ {
		sum += <-out
	}
	return sum
}

func main() {
	total := 0
	for i := 1; i < 3000; i++ {
		total += collatz(i)
	}
	fmt.Println("collatz", total)
	for _, s := range []string{"", "ab", "abcdef", "xxab", "xx"} {
		fmt.Println("classify", s, classify(s))
	}
	fmt.Println(recovered(1), recovered(5))
	fmt.Println("pipeline", pipeline(500))
	words := strings.Fields("the quick brown fox jumps over the lazy dog again and again")
	sort.Strings(words)
	fmt.Println("sorted", strings.Join(words, ","))
}
