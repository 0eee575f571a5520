from stockpool.entrypoints.cli.main import main

main()
