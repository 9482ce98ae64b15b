package template

import (
	"strings"
	"testing"
)

func TestCustomResourcesHaveAServiceTimeout(t *testing.T) {
	tpl, err := Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range CheckCustomResources(tpl) {
		t.Error(p)
	}

	bad, err := Parse([]byte(`
Resources:
  Missing:
    Type: AWS::CloudFormation::CustomResource
    Properties: {ServiceToken: x}
  TooLong:
    Type: Custom::Seed
    Properties: {ServiceToken: x, ServiceTimeout: 7200}
  Fine:
    Type: Custom::Seed
    Properties: {ServiceToken: x, ServiceTimeout: 300}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := CheckCustomResources(bad)
	if len(got) != 2 || !strings.Contains(got[0], "Missing: no ServiceTimeout") || !strings.Contains(got[1], "TooLong: ServiceTimeout 7200") {
		t.Fatalf("%q", got)
	}
}
