package sipstack

// ReasonPhrase is the reason phrase the Edge and the lab write with a status, "" when unusual.
// The Edge's own spelling wins over RFC 3261's where they differ ("Server time-out").
func ReasonPhrase(status int) string { return reasonPhrases[status] }

var reasonPhrases = map[int]string{200: "OK", 403: "Forbidden", 404: "Not Found", 480: "Temporarily Unavailable",
	486: "Busy Here", 488: "Not Acceptable Here", 503: "Service Unavailable", 504: "Server time-out", 603: "Decline"}
