module github.com/mailstack/mailstack

go 1.26
