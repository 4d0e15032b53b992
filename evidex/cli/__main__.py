from evidex.cli.root import main

main()
