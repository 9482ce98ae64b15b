// Command initerror is a test runtime that fails its init phase the way a
// custom runtime reports it: POST /runtime/init/error, then exit.
package main

import (
	"net/http"
	"os"
	"strings"
)

func main() {
	url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
	body := `{"errorMessage":"missing configuration","errorType":"InitFailed"}`
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err == nil {
		resp.Body.Close()
	}
	os.Exit(1)
}
