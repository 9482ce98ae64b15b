package template

import (
	"fmt"
	"strconv"
	"strings"
)

// CheckCustomResources returns the rules t's custom resources break: each
// sets ServiceTimeout (seconds, 1–3600), or CloudFormation waits an hour
// for an answer that a crashed function never sends. cfn-lint accepts any
// property on a custom resource, so it checks neither presence nor range.
func CheckCustomResources(t *Template) []string {
	var problems []string
	for _, id := range t.Order {
		r := t.Resources[id]
		if r.Type != "AWS::CloudFormation::CustomResource" && !strings.HasPrefix(r.Type, "Custom::") {
			continue
		}
		v, ok := r.Properties["ServiceTimeout"]
		if !ok {
			problems = append(problems, fmt.Sprintf("custom resource %s: no ServiceTimeout (CloudFormation would wait 3600 s for a function that never answers)", id))
			continue
		}
		n, err := strconv.Atoi(fmt.Sprint(v))
		if err != nil || n < 1 || n > 3600 {
			problems = append(problems, fmt.Sprintf("custom resource %s: ServiceTimeout %v is not a number of seconds from 1 to 3600", id, v))
		}
	}
	return problems
}
