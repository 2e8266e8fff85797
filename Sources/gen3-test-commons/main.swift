TestCommonsCommand.main()
