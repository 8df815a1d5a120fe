// Command edgesim emulates a Skype for Business / Lync Edge server for SIP federation labs.
package main

import "os"

func main() { os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr)) }
