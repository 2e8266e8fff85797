LatencyProxyCommand.main()
