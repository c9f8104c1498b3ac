module github.com/reprovm/reprovm

go 1.26
